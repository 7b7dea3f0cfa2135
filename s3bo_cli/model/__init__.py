"""The shared vocabulary: manifest rows, ARNs and URIs, job statuses.

Everything here is plain data and pure rules, imported by the engine, the
operations, the tools and the commands alike; it imports nothing of s3bo's but
its errors, so no layer has to reach into another for a shared concept.
"""
