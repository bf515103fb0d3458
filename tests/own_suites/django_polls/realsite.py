"""The real site: the polls project at the root and a blog under /blog.

``wsgi-party routes realsite:application --json > routes.json`` gives the
route table the polls tests' stand-ins follow.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pollsite.settings")

from django.core.wsgi import get_wsgi_application
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wsgi_party import PartyMember, WSGIParty

blog_map = Map([Rule("/", endpoint="index"), Rule("/post/<int:id>", endpoint="post")])


@Request.application
def blog(request: Request) -> Response:
    return Response(blog_map.bind_to_environ(request.environ).match()[0])


application = WSGIParty(
    DispatcherMiddleware(
        get_wsgi_application(), {"/blog": PartyMember(blog, name="blog", url_map=blog_map)}
    ),
    lazy=True,
)
