"""What each GraphQL field does, in plain Python: checks, provider calls, store reads.

Resolvers take the runtime and the caller and return domain objects; the schema turns
those into GraphQL types. Nothing here imports strawberry.
"""
