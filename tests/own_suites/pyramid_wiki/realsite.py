"""The real site: accounts at the root, the wiki under /wiki, a blog under /blog."""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from wiki import main

from wsgi_party import WSGIParty
from wsgi_party.flask import FlaskParty

accounts = Flask("accounts")
FlaskParty(accounts, name="accounts")
accounts.add_url_rule("/login", "login", lambda: "log in")
blog = Flask("blog")
FlaskParty(blog, name="blog")
blog.add_url_rule("/", "index", lambda: "blog")

mounts = {"/wiki": main({}), "/blog": blog}
application = WSGIParty(DispatcherMiddleware(accounts, mounts), lazy=True)
