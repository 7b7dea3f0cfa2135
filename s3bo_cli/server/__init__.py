"""``s3bo serve``: the S3 Control job API over HTTP (routes, REST-XML codec, SigV4, server)."""
