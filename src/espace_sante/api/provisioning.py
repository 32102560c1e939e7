"""JSON API of bulk provisioning, for the insurer's system client.

``POST /api/provisioning`` takes the register as NDJSON in the request body, streamed to
disk as it arrives (never held in memory), and answers the run's summary once imported.
Sending the same body again resumes an interrupted import or, if it finished, changes
nothing. ``GET /api/provisioning/runs/{id}`` follows a run, and
``GET /api/provisioning?sha256=…`` finds it by the file's hash while the ``POST`` that
imports it has not answered yet.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from espace_sante.accounts.provisioning import provision
from espace_sante.accounts.provisioning_access import authorize_provisioning
from espace_sante.accounts.provisioning_runs import RunView, run_of_file, run_status
from espace_sante.accounts.provisioning_upload import DEFAULT_UPLOAD_NAME, Spool
from espace_sante.accounts.register import Format
from espace_sante.gateway.actor import CurrentActor, container

router = APIRouter(prefix="/api/provisioning", tags=["provisioning"])

NDJSON_BODY = {
    "requestBody": {
        "required": True,
        "description": "One insured person per line (JSON object); columns in "
        "docs/provisioning.md.",
        "content": {"application/x-ndjson": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "",
    summary="Import insured persons from the register (NDJSON); scope system/Provisioning.c",
    openapi_extra=NDJSON_BODY,
)
async def create_run(
    request: Request,
    actor: CurrentActor,
    file_name: Annotated[str, Query(max_length=255)] = DEFAULT_UPLOAD_NAME,
) -> RunView:
    c = container(request)
    # Checked before the body is read: nobody else may make us store gigabytes.
    await run_in_threadpool(authorize_provisioning, c.factory, c.clock, actor)
    with Spool(c.settings) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.close()
        return await run_in_threadpool(
            provision, c.factory, c.settings, c.clock, spool.path, actor=actor,
            fmt=Format.NDJSON, file_name=file_name,
        )


@router.get("", summary="The run of a register file, by the file's SHA-256: follow an "
            "import while its POST is still running")
def get_run_of_file(
    request: Request,
    actor: CurrentActor,
    sha256: Annotated[str, Query(pattern="^[0-9a-fA-F]{64}$",
                                 description="SHA-256 of the file's bytes, hexadecimal.")],
) -> RunView:
    c = container(request)
    return run_of_file(c.factory, c.clock, actor, sha256)


@router.get("/runs/{run_id}", summary="A provisioning run and its progress")
def get_run(request: Request, actor: CurrentActor, run_id: str) -> RunView:
    c = container(request)
    return run_status(c.factory, c.clock, actor, run_id)
