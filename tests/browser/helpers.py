"""What several browser tests do the same way."""


def login(page, base, username, password):
    """Sign in on the login page directly (the menu's own way in is tested in test_journeys)."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, "login failed"
