"""CPU time the app spends on one request, measured in process (no network, no server): the
ASGI app of whatever code is on PYTHONPATH, driven by httpx's ASGI transport against a running
database. For overheads of a few microseconds, which the load benchmark's run-to-run noise on
a shared machine hides. Usage:

    python bench/app_cost.py DATABASE_URL [requests]

Prints the CPU microseconds per `GET /auth/me` (the median of five batches); run it for two
versions of the code (PYTHONPATH=...) and compare. The database must be migrated (any
`live-attendance serve` on it does that)."""

import asyncio
import logging
import os
import statistics
import sys
import time
import uuid

from litestar.testing import AsyncTestClient


async def main(database_url: str, requests: int) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "JWT_SECRET": "app-cost-benchmark-secret-0123456789abcdef",
            "NODE_ENV": "production",
            "CORS_ORIGIN": "http://localhost:5173",
            "BCRYPT_ROUNDS": "4",
            "SIGNUPS_PER_ADDRESS": "1000000",
        }
    )
    from bootstrap.container import create_app_from_environment

    app = create_app_from_environment()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the client's own line per request
    async with AsyncTestClient(app=app, base_url="http://bench") as client:  # runs start-up
        email = f"cost-{uuid.uuid4().hex[:8]}@example.com"
        body = {"name": "Cost", "email": email, "password": "password123", "role": "teacher"}
        assert (await client.post("/auth/signup", json=body)).status_code == 201
        credentials = {"email": email, "password": "password123"}
        login = await client.post("/auth/login", json=credentials)
        headers = {"Authorization": login.json()["data"]["token"]}
        for _ in range(requests // 5):  # warm up
            await client.get("/auth/me", headers=headers)
        batches = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(requests):
                response = await client.get("/auth/me", headers=headers)
                assert response.status_code == 200
            batches.append((time.process_time() - started) / requests * 1e6)
    print(
        f"{statistics.median(batches):.1f} us CPU per GET /auth/me (batches: "
        f"{', '.join(f'{b:.1f}' for b in batches)})"
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000))
