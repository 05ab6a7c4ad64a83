from twisted.application.service import ServiceMaker

ark = ServiceMaker(
    "ark",
    "ark.app.service",
    "A 2D multiplayer avatar world: web client, WebSocket, maps and API on one port.",
    "ark",
)
