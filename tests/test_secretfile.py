import concurrent.futures
import itertools

from ethos.secretfile import read_or_create


def test_it_creates_a_private_secret_once(tmp_path):
    path = tmp_path / "data" / "secret"
    first = read_or_create(path, lambda: "first")
    assert first == "first" and oct(path.stat().st_mode & 0o777) == "0o600"
    assert read_or_create(path, lambda: "second") == "first"
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary files left


def test_racing_processes_all_read_the_same_complete_secret(tmp_path):
    path = tmp_path / "secret"
    counter = itertools.count()

    def make():
        return f"secret-{next(counter)}-" + "x" * 10000

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: read_or_create(path, make), range(32)))
    assert len(set(results)) == 1 and results[0].endswith("x" * 10000)
