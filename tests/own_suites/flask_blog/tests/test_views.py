def test_index_lists_the_posts(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Hello, party" in response.data


def test_index_links_to_the_docs(client):
    assert b'href="/docs/writing.html"' in client.get("/").data


def test_anonymous_visitors_get_a_login_link(client):
    assert b'href="/accounts/login?next=/post/1"' in client.get("/post/1").data


def test_a_missing_post_is_404(client):
    assert client.get("/post/99").status_code == 404


def test_posting_redirects_to_the_index(client):
    response = client.post("/new", data={"title": "Third"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_health(client):
    assert client.get("/health").data == b"ok"
