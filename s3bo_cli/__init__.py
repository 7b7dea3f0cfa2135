"""s3bo: Amazon S3 Batch Operations from the command line."""

__version__ = "0.1.0"
