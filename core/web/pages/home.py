"""Home page: the dashboard with the menu (grouped, filtered by permission) and enabled plugins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from core.plugins import KERNEL
from core.web.deps import current_user
from core.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request, user=Depends(current_user)):
    runtime = request.app.state.runtime
    plugins = [i for n, i in sorted(runtime.plugins.infos.items()) if i.enabled and n != KERNEL]
    return render(request, "home.html", plugins=plugins)
