"""
Gateways: processes that terminate players' WebSockets for the room
process, so that one machine's every core works for the world
(C{twistd ark --gateways N}, see C{docs/architecture.md}).
"""
