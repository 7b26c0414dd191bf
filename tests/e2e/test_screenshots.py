"""Each journey keeps a screenshot of its last page in the run's output folder (issue 18, item 1)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

PNG = b"\x89PNG\r\n\x1a\n"


def test_it_keeps_a_png_of_the_last_page_when_a_context_closes(live_server, browser, screenshot_path):
    screenshot_path.unlink(missing_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 600})
    page = context.new_page()
    page.goto(live_server.url + "/sign-in/")
    context.close()
    assert screenshot_path.name == "test_it_keeps_a_png_of_the_last_page_when_a_context_closes.png"
    assert screenshot_path.read_bytes().startswith(PNG)


@pytest.mark.parametrize("width", [390], ids=["phone"])
def test_it_names_a_parametrized_test_safely(browser, screenshot_path, width):
    assert screenshot_path.name == "test_it_names_a_parametrized_test_safely-phone.png"
    context = browser.new_context(viewport={"width": width, "height": 600})
    context.new_page().set_content("<h1>Last page</h1>")
    context.close()
    assert screenshot_path.read_bytes().startswith(PNG)
