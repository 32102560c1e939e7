"""The baseline: a bare hello-world on the same server stack (FastAPI + uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}
