"""
Several nodes as one world: which node holds each map's room (the room
directory) and the seats a node reserves for a player on another.
"""
