"""Render pages: one Jinja2 environment, the language of the request, the CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from espace_sante.core.actors import ANONYMOUS, Actor
from espace_sante.core.errors import DomainError
from espace_sante.gateway.actor import container
from espace_sante.gateway.errors import set_page_renderer
from espace_sante.web import csrf, i18n

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def lang_url(request: Request, lang: str) -> str:
    """The current page in another language, its other query parameters kept."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', lang)])}"


env.globals["lang_url"] = lang_url


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    actor: Actor = ANONYMOUS,
) -> HTMLResponse:
    lang = i18n.choose_language(request)
    token = i18n.current_language.set(lang)
    try:
        html = env.get_template(name).render(
            request=request,
            lang=lang,
            actor=actor,
            csrf_token=csrf.token_for(request),
            dev_mode=not container(request).settings.is_production,
            **(context or {}),
        )
    finally:
        i18n.current_language.reset(token)
    response = HTMLResponse(html, status_code=status_code)
    _set_cookies(request, response, lang)
    return response


def _set_cookies(request: Request, response: Response, lang: str) -> None:
    secure = container(request).settings.is_production
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(csrf.COOKIE, new_csrf, httponly=True, samesite="strict", secure=secure)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", secure=secure)


def render_error(request: Request, error: DomainError, status: int) -> Response:
    return render(request, "error.html", {"error": error, "status": status}, status_code=status)


set_page_renderer(render_error)
