"""The safety net: what a job would overwrite, what it did overwrite, and putting it back.

``losses`` counts, in a dry run, what each operation would destroy;
``images`` records each object's previous state as a local job changes it;
``journal`` keeps those records compactly and exactly once; ``revert`` builds
and runs the job that puts them back; ``merge`` adds tags without dropping others.
"""
