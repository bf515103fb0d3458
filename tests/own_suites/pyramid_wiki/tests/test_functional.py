def test_home_redirects_to_the_front_page(testapp):
    response = testapp.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost/FrontPage"


def test_a_page_links_to_the_blog_and_to_login(testapp):
    body = testapp.get("/Help").text
    assert "Ask on the blog" in body
    assert 'href="/blog/"' in body
    assert 'href="/login?next=/Help"' in body


def test_a_missing_page_is_404(testapp):
    assert testapp.get("/Nope").status_code == 404


def test_raw_text(testapp):
    assert testapp.get("/FrontPage/raw").text == "Welcome"
