import asyncio

from services.billing.app import broker, http_app, http_port, loops, runtime
from services.common.runtime import serve

asyncio.run(serve("billing", broker, ref=runtime, loops=loops, http_app=http_app, http_port=http_port))
