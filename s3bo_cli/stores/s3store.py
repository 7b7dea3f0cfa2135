"""S3Store: the ObjectStore operations through boto3 against any S3-compatible endpoint."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from s3bo_cli.errors import S3Error
from s3bo_cli.stores.rules import (
    CANNED_ACLS,
    check_acl,
    check_key,
    check_metadata,
    check_tags,
    no_such_bucket,
    no_such_key,
    no_such_version,
    not_implemented,
)
from s3bo_cli.stores.types import (
    Acl,
    Body,
    BucketConfig,
    Directive,
    Grant,
    ObjectBody,
    ObjectInfo,
    ObjectLock,
    ObjectMetadata,
    ObjectSummary,
    RestoreStatus,
    Retention,
    Sse,
    WriteResult,
)

if TYPE_CHECKING:
    from s3bo_cli.config import Settings

_CHECKSUM_FIELDS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "MD5")
_GRANT_ARGS = {
    "FULL_CONTROL": "GrantFullControl",
    "READ": "GrantRead",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
}
_GRANTEE_FIELDS = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
_GRANTEE_HEADER = {"CanonicalUser": "id", "Group": "uri", "AmazonCustomerByEmail": "emailAddress"}
_RESTORE_EXPIRY = re.compile(r'expiry-date="([^"]+)"')
#: The per-object calls a task makes, by S3 operation name: what the engine's store
#: sends directly (stores.s3direct) on an endpoint given by URL.
_METHODS = {
    "HeadObject": "head_object",
    "GetObjectTagging": "get_object_tagging",
    "PutObjectTagging": "put_object_tagging",
    "DeleteObjectTagging": "delete_object_tagging",
    "GetObjectAcl": "get_object_acl",
    "PutObjectAcl": "put_object_acl",
    "GetObjectRetention": "get_object_retention",
    "PutObjectRetention": "put_object_retention",
    "GetObjectLegalHold": "get_object_legal_hold",
    "PutObjectLegalHold": "put_object_legal_hold",
    "RestoreObject": "restore_object",
    "DeleteObject": "delete_object",
}


_CLIENT_LOCK = threading.Lock()


@contextlib.contextmanager
def _s3_errors(bucket: str | None = None, version_id: str | None = None) -> Iterator[None]:
    """Turn botocore errors into S3Error with the code and status the endpoint returned.

    Only a failure of the network itself is ``503 ServiceUnavailable`` (the engine
    retries those); anything else botocore refuses before sending is not transient.
    """
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )
    from botocore.exceptions import ConnectionError as EndpointUnreachable

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        code = str(error.get("Code", "")) or str(status)
        message = error.get("Message") or ""
        if code.isdigit():  # HEAD responses carry no body: name the error as S3 would
            raise _bodiless_error(int(code), version_id) from None
        raise S3Error(code, int(status), message) from None
    except (HTTPClientError, EndpointUnreachable) as exc:
        raise S3Error("ServiceUnavailable", 503, str(exc)) from None
    except (NoCredentialsError, PartialCredentialsError) as exc:
        raise S3Error("AccessDenied", 403, str(exc)) from None
    except BotoCoreError as exc:
        raise S3Error("InvalidRequest", 400, str(exc)) from None


def _bodiless_error(status: int, version_id: str | None) -> S3Error:
    if status == 404:
        return no_such_version() if version_id else no_such_key()
    if status == 405:
        return S3Error(
            "MethodNotAllowed", 405, "The specified method is not allowed against this resource."
        )
    if status == 403:
        return S3Error("AccessDenied", 403, "Access Denied")
    if status == 400 and version_id:
        return S3Error("InvalidArgument", 400, "Invalid version id specified")
    return S3Error(str(status), status, "")


def _version(version_id: str | None) -> dict[str, str]:
    return {"VersionId": version_id} if version_id else {}


class S3Store:
    """An ObjectStore on any S3 endpoint (moto, MinIO, Amazon S3) via boto3.

    ``in_flight`` sizes it for the engine's tasks: that many pooled connections, and
    one attempt per call, so that every throttle reaches the engine, which adapts how
    many requests it keeps in flight and retries the task after a back-off. Such a
    store also leaves out botocore's parameter validation (a sixth of each call's
    CPU): the engine sends only what the job's validated request and this store's own
    checks produced.
    """

    #: Requests cross a network: the engine keeps many in flight and adapts how many.
    remote = True
    #: S3 endpoints may lack UpdateObjectEncryption: the engine refuses rather than rewrite.
    encrypts_in_place = False

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        in_flight: int | None = None,
    ) -> None:
        if settings is not None:
            endpoint_url = endpoint_url or settings.s3_endpoint_url
            region = region or settings.region
            profile = profile or settings.profile
        import botocore.session

        # botocore's session alone until a boto3 client is needed: a task process whose
        # calls all go direct never imports boto3 (a fifth of a second at its start).
        core = botocore.session.Session(profile=profile)
        self.region: str = region or "us-east-1"
        core.set_config_variable("region", self.region)
        self._endpoint_url = endpoint_url
        self._in_flight = in_flight
        self._core = core
        self._client: Any = None
        # Resolved now, as a client made now would: the session keeps them for the client.
        credentials = core.get_credentials()
        self._direct = None
        if in_flight is not None and endpoint_url:
            from s3bo_cli.stores.s3direct import DirectS3

            self._direct = DirectS3(endpoint_url, self.region, credentials, size=in_flight)

    @property
    def cooperative(self) -> bool:
        """Whether the per-object calls wait through :mod:`s3bo_cli.greenio` (the direct
        path), so that many can be in flight on one thread's event loop."""
        return self._direct is not None

    @property
    def client(self) -> Any:
        """The boto3 client, made on first use (an engine's task store may never need it)."""
        if self._client is None:
            from botocore.config import Config

            config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard"})
            if self._in_flight is not None:
                config = config.merge(
                    Config(
                        max_pool_connections=max(1, self._in_flight),
                        retries={"mode": "standard", "total_max_attempts": 1},
                        parameter_validation=False,
                    )
                )
            with _CLIENT_LOCK:
                if self._client is None:
                    import boto3

                    session = boto3.session.Session(botocore_session=self._core)
                    self._client = session.client(
                        "s3", endpoint_url=self._endpoint_url, config=config
                    )
        return self._client

    def _call(self, name: str, **params: Any) -> dict[str, Any]:
        """A per-object call: sent directly where the store can, else through boto3."""
        if self._direct is not None:
            return self._direct.call(name, **params)
        return getattr(self.client, _METHODS[name])(**params)

    # -- buckets --------------------------------------------------------------------

    def create_bucket(
        self, bucket: str, *, versioning: bool = False, object_lock: bool = False
    ) -> None:
        params: dict[str, Any] = {"Bucket": bucket}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        if object_lock:
            params["ObjectLockEnabledForBucket"] = True
        with _s3_errors():
            self.client.create_bucket(**params)
            if versioning and not object_lock:
                self.put_bucket_versioning(bucket, "Enabled")

    def bucket_exists(self, bucket: str) -> bool:
        try:
            with _s3_errors():
                self.client.head_bucket(Bucket=bucket)
        except S3Error:
            return False
        return True

    def list_buckets(self) -> list[str]:
        with _s3_errors():
            return sorted(b["Name"] for b in self.client.list_buckets().get("Buckets", []))

    def _require_bucket(self, bucket: str) -> None:
        if not self.bucket_exists(bucket):
            raise no_such_bucket()

    def get_bucket_config(self, bucket: str) -> BucketConfig:
        with _s3_errors():
            versioning = self.client.get_bucket_versioning(Bucket=bucket).get("Status")
        object_lock = replication = None
        with contextlib.suppress(S3Error), _s3_errors():
            lock = self.client.get_object_lock_configuration(Bucket=bucket)
            object_lock = lock["ObjectLockConfiguration"].get("ObjectLockEnabled") == "Enabled"
        with contextlib.suppress(S3Error), _s3_errors():
            found = self.client.get_bucket_replication(Bucket=bucket)
            replication = found["ReplicationConfiguration"]
        return BucketConfig(bucket, versioning, bool(object_lock), replication)

    def put_bucket_versioning(self, bucket: str, status: str) -> None:
        with _s3_errors():
            self.client.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": status}
            )

    def put_bucket_replication(self, bucket: str, config: Mapping) -> None:
        with _s3_errors():
            self.client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=dict(config))

    # -- reading ----------------------------------------------------------------------

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectSummary]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors():
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ObjectSummary(
                        key=item["Key"],
                        size=item["Size"],
                        etag=item["ETag"].strip('"'),
                        last_modified=item["LastModified"],
                        storage_class=item.get("StorageClass", "STANDARD"),
                    )

    def _info(self, bucket: str, key: str, response: Mapping[str, Any]) -> ObjectInfo:
        restore = None
        if "Restore" in response:
            header = response["Restore"]
            match = _RESTORE_EXPIRY.search(header)
            restore = RestoreStatus(
                ongoing='ongoing-request="true"' in header,
                expiry=parsedate_to_datetime(match.group(1)) if match else None,
            )
        retention = None
        if response.get("ObjectLockMode") and response.get("ObjectLockRetainUntilDate"):
            retention = Retention(response["ObjectLockMode"], response["ObjectLockRetainUntilDate"])
        sse = None
        if response.get("ServerSideEncryption"):
            sse = Sse(
                response["ServerSideEncryption"],
                response.get("SSEKMSKeyId"),
                bool(response.get("BucketKeyEnabled")),
            )
        return ObjectInfo(
            bucket=bucket,
            key=key,
            version_id=response.get("VersionId"),
            size=response.get("ContentLength", 0),
            etag=response.get("ETag", "").strip('"'),
            last_modified=response["LastModified"],
            storage_class=response.get("StorageClass", "STANDARD"),
            metadata=ObjectMetadata(
                content_type=response.get("ContentType", "binary/octet-stream"),
                cache_control=response.get("CacheControl"),
                content_disposition=response.get("ContentDisposition"),
                content_encoding=response.get("ContentEncoding"),
                content_language=response.get("ContentLanguage"),
                expires=response.get("Expires"),
                website_redirect_location=response.get("WebsiteRedirectLocation"),
                user=dict(response.get("Metadata", {})),
            ),
            checksums={
                name: response[f"Checksum{name}"]
                for name in _CHECKSUM_FIELDS
                if response.get(f"Checksum{name}")
            },
            sse=sse,
            restore=restore,
            retention=retention,
            legal_hold=response.get("ObjectLockLegalHoldStatus") == "ON",
            replication_status=response.get("ReplicationStatus"),
        )

    def head_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        check_key(key)
        try:
            with _s3_errors(bucket, version_id):
                response = self._call(
                    "HeadObject",
                    Bucket=bucket,
                    Key=key,
                    ChecksumMode="ENABLED",
                    **_version(version_id),
                )
        except S3Error as exc:
            if exc.http_status == 404:
                self._require_bucket(bucket)
            raise
        return self._info(bucket, key, response)

    def get_object(self, bucket: str, key: str, version_id: str | None = None) -> ObjectBody:
        check_key(key)
        with _s3_errors(bucket, version_id):
            response = self.client.get_object(
                Bucket=bucket, Key=key, ChecksumMode="ENABLED", **_version(version_id)
            )
        return ObjectBody(self._info(bucket, key, response), response["Body"])

    # -- writing whole objects ------------------------------------------------------------

    def put_object(
        self,
        bucket: str,
        key: str,
        body: Body,
        *,
        metadata: ObjectMetadata | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        checksum_algorithm: str | None = None,
        sse: Sse | None = None,
        acl: Acl | str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult:
        check_key(key)
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body}
        params.update(_metadata_params(metadata))
        if tags:
            params["Tagging"] = urlencode(check_tags(tags))
        params.update(_write_params(storage_class, checksum_algorithm, sse, acl, lock))
        with _s3_errors():
            response = self.client.put_object(**params)
        return _write_result(response, response)

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dest_bucket: str,
        dest_key: str,
        *,
        src_version_id: str | None = None,
        metadata_directive: Directive = "COPY",
        metadata: ObjectMetadata | None = None,
        tagging_directive: Directive = "COPY",
        tags: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        acl: Acl | str | None = None,
        sse: Sse | None = None,
        checksum_algorithm: str | None = None,
        lock: ObjectLock | None = None,
    ) -> WriteResult:
        check_key(src_key)
        check_key(dest_key)
        source = {"Bucket": src_bucket, "Key": src_key, **_version(src_version_id)}
        params: dict[str, Any] = {
            "Bucket": dest_bucket,
            "Key": dest_key,
            "CopySource": source,
            "MetadataDirective": metadata_directive,
            "TaggingDirective": tagging_directive,
        }
        if metadata_directive == "REPLACE":
            params.update(_metadata_params(metadata or ObjectMetadata()))
        if tagging_directive == "REPLACE":
            params["Tagging"] = urlencode(check_tags(tags or {}))
        params.update(_write_params(storage_class, checksum_algorithm, sse, acl, lock))
        with _s3_errors(version_id=src_version_id):
            response = self.client.copy_object(**params)
        return _write_result(response, response.get("CopyObjectResult", {}))

    # -- per-object metadata ------------------------------------------------------------

    def get_object_tagging(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> dict[str, str]:
        with _s3_errors(version_id=version_id):
            response = self._call(
                "GetObjectTagging", Bucket=bucket, Key=key, **_version(version_id)
            )
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def put_object_tagging(
        self, bucket: str, key: str, tags: Mapping[str, str], *, version_id: str | None = None
    ) -> None:
        tag_set = [{"Key": k, "Value": v} for k, v in check_tags(tags).items()]
        with _s3_errors(version_id=version_id):
            self._call(
                "PutObjectTagging",
                Bucket=bucket,
                Key=key,
                Tagging={"TagSet": tag_set},
                **_version(version_id),
            )

    def delete_object_tagging(self, bucket: str, key: str, version_id: str | None = None) -> None:
        with _s3_errors(version_id=version_id):
            self._call("DeleteObjectTagging", Bucket=bucket, Key=key, **_version(version_id))

    def get_object_acl(self, bucket: str, key: str, version_id: str | None = None) -> Acl:
        with _s3_errors(version_id=version_id):
            response = self._call("GetObjectAcl", Bucket=bucket, Key=key, **_version(version_id))
        grants = []
        for grant in response.get("Grants", []):
            grantee = grant["Grantee"]
            kind = grantee["Type"]
            identifier = grantee.get(_GRANTEE_FIELDS.get(kind, "ID"), "")
            grants.append(Grant(grant["Permission"], kind, identifier, grantee.get("DisplayName")))
        owner = response.get("Owner", {})
        return Acl(owner.get("ID", ""), tuple(grants), owner.get("DisplayName"))

    def put_object_acl(
        self, bucket: str, key: str, acl: Acl | str, *, version_id: str | None = None
    ) -> None:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, **_version(version_id)}
        if isinstance(acl, str):
            params["ACL"] = acl
        else:
            check_acl(acl)
            owner = {"ID": acl.owner_id}
            if acl.owner_name:
                owner["DisplayName"] = acl.owner_name
            params["AccessControlPolicy"] = {
                "Owner": owner,
                "Grants": [
                    {
                        "Grantee": {
                            "Type": g.grantee_type,
                            _GRANTEE_FIELDS[g.grantee_type]: g.identifier,
                        },
                        "Permission": g.permission,
                    }
                    for g in acl.grants
                ],
            }
        with _s3_errors(version_id=version_id):
            self._call("PutObjectAcl", **params)

    def get_object_retention(
        self, bucket: str, key: str, version_id: str | None = None
    ) -> Retention | None:
        try:
            with _s3_errors(version_id=version_id):
                response = self._call(
                    "GetObjectRetention", Bucket=bucket, Key=key, **_version(version_id)
                )
        except S3Error as exc:
            if exc.code == "NoSuchObjectLockConfiguration":
                return None
            if exc.http_status >= 500 or exc.code == "NotImplemented":
                # Some S3-compatible servers lack GetObjectRetention; HeadObject carries it too.
                return self.head_object(bucket, key, version_id).retention
            raise
        found = response.get("Retention") or {}
        if not found.get("Mode") or not found.get("RetainUntilDate"):
            return None
        return Retention(found["Mode"], found["RetainUntilDate"])

    def put_object_retention(
        self,
        bucket: str,
        key: str,
        retention: Retention | None,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> None:
        body: dict[str, Any] = {}
        if retention is not None:
            body = {"Mode": retention.mode, "RetainUntilDate": retention.retain_until}
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Retention": body}
        if bypass_governance:
            params["BypassGovernanceRetention"] = True
        with _s3_errors(version_id=version_id):
            self._call("PutObjectRetention", **params, **_version(version_id))

    def get_object_legal_hold(self, bucket: str, key: str, version_id: str | None = None) -> bool:
        try:
            with _s3_errors(version_id=version_id):
                response = self._call(
                    "GetObjectLegalHold", Bucket=bucket, Key=key, **_version(version_id)
                )
        except S3Error as exc:
            if exc.code == "NoSuchObjectLockConfiguration":
                return False
            raise
        return response.get("LegalHold", {}).get("Status") == "ON"

    def put_object_legal_hold(
        self, bucket: str, key: str, on: bool, *, version_id: str | None = None
    ) -> None:
        with _s3_errors(version_id=version_id):
            self._call(
                "PutObjectLegalHold",
                Bucket=bucket,
                Key=key,
                LegalHold={"Status": "ON" if on else "OFF"},
                **_version(version_id),
            )

    def update_object_encryption(
        self, bucket: str, key: str, sse: Sse, *, version_id: str | None = None
    ) -> None:
        """Not on S3 endpoints, which may lack the call: refused rather than rewritten."""
        raise not_implemented("UpdateObjectEncryption")

    def put_replication_status(
        self, bucket: str, key: str, status: str, *, version_id: str | None = None
    ) -> None:
        """Nothing to do: an S3 endpoint records replication status itself."""

    def restore_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        days: int | None = 1,
        tier: str = "Standard",
    ) -> int:
        request: dict[str, Any] = {"GlacierJobParameters": {"Tier": tier}}
        if days is not None:
            request["Days"] = days
        with _s3_errors(version_id=version_id):
            response = self._call(
                "RestoreObject",
                Bucket=bucket,
                Key=key,
                RestoreRequest=request,
                **_version(version_id),
            )
        return int(response["ResponseMetadata"]["HTTPStatusCode"])

    def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        bypass_governance: bool = False,
    ) -> str | None:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key, **_version(version_id)}
        if bypass_governance:
            params["BypassGovernanceRetention"] = True
        with _s3_errors(version_id=version_id):
            response = self._call("DeleteObject", **params)
        return response.get("VersionId")


def _metadata_params(metadata: ObjectMetadata | None) -> dict[str, Any]:
    if metadata is None:
        return {}
    check_metadata(metadata)
    fields = {
        "ContentType": metadata.content_type,
        "CacheControl": metadata.cache_control,
        "ContentDisposition": metadata.content_disposition,
        "ContentEncoding": metadata.content_encoding,
        "ContentLanguage": metadata.content_language,
        "Expires": metadata.expires,
        "WebsiteRedirectLocation": metadata.website_redirect_location,
        "Metadata": dict(metadata.user),
    }
    return {k: v for k, v in fields.items() if v is not None}


def _write_params(
    storage_class: str | None,
    checksum_algorithm: str | None,
    sse: Sse | None,
    acl: Acl | str | None,
    lock: ObjectLock | None,
) -> dict[str, Any]:
    """The PutObject / CopyObject arguments both share."""
    params: dict[str, Any] = {}
    if storage_class:
        params["StorageClass"] = storage_class
    if checksum_algorithm:
        params["ChecksumAlgorithm"] = checksum_algorithm
    if sse is not None:
        params["ServerSideEncryption"] = sse.algorithm
        if sse.kms_key_id:
            params["SSEKMSKeyId"] = sse.kms_key_id
        if sse.bucket_key_enabled:
            params["BucketKeyEnabled"] = True
    if isinstance(acl, str):
        if acl not in CANNED_ACLS:
            raise S3Error("InvalidArgument", 400, f"Invalid canned ACL: {acl}")
        params["ACL"] = acl
    elif acl is not None:
        check_acl(acl)
        for grant in acl.grants:
            arg = _GRANT_ARGS.get(grant.permission)
            if arg is None:
                continue  # WRITE has no meaning on an object
            value = f'{_GRANTEE_HEADER[grant.grantee_type]}="{grant.identifier}"'
            params[arg] = f"{params[arg]}, {value}" if arg in params else value
    if lock is not None:
        if lock.mode:
            params["ObjectLockMode"] = lock.mode
        if lock.retain_until:
            params["ObjectLockRetainUntilDate"] = lock.retain_until
        if lock.legal_hold is not None:
            params["ObjectLockLegalHoldStatus"] = "ON" if lock.legal_hold else "OFF"
    return params


def _write_result(response: Mapping[str, Any], result: Mapping[str, Any]) -> WriteResult:
    last_modified: datetime | None = result.get("LastModified")
    return WriteResult(
        etag=str(result.get("ETag", "")).strip('"'),
        version_id=response.get("VersionId"),
        last_modified=last_modified,
        checksums={
            name: result[f"Checksum{name}"]
            for name in _CHECKSUM_FIELDS
            if result.get(f"Checksum{name}")
        },
    )
