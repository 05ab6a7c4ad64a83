"""
Conversations with the agents who live in the world: who asks whom, what
the agents may look up for the asker, and the brains that answer.
"""
