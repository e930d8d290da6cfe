"""`python -m storefront`: serve on $PORT with uvicorn (what the container runs)."""
from __future__ import annotations

import uvicorn

from storefront.app import create_app
from storefront.settings import load_or_exit


def main() -> None:
    settings = load_or_exit()
    # One process: Fargate scales by tasks; the database pool is per process.
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.port, log_level="info",  # noqa: S104
                proxy_headers=True, forwarded_allow_ips="*", access_log=False)


if __name__ == "__main__":
    main()
