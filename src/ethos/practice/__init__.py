"""The coach's practice profile: jurisdiction, competence areas (S5) and credentials (S10).

Other apps read it through `selectors`: `profile_for(coach)` (age of majority, crisis line and
emergency number of the coach's jurisdiction) and `competence_for(coach)` (the areas the coach
may coach on, and the credential that widens each one beyond certification). Nothing here is
about a client, so the models are plain (not vault) models.
"""
