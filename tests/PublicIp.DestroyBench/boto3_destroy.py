"""The baseline of `make bench-destroy`: a careful boto3 destroy of the same addresses, on the same throttled endpoint.

Each worker does what the plugin's Delete does for one address (DescribeAddresses by AllocationId, DisassociateAddress
when associated, ReleaseAddress), with botocore's adaptive retry mode (client-side rate limiting that backs off on
throttling) and 10 attempts per call. Prints one JSON line: {"seconds": .., "failed": .., "errors": {...}}.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def main():
    endpoint, region, parallel, ids_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(ids_file, encoding="utf-8") as f:
        ids = [line.strip() for line in f if line.strip()]
    config = Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=parallel)
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing",
                       aws_secret_access_key="testing", config=config)
    errors = {}

    def delete(allocation_id):
        try:
            found = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"]
            if not found:
                return True
            association = found[0].get("AssociationId")
            if association:
                ec2.disassociate_address(AssociationId=association)
            ec2.release_address(AllocationId=allocation_id)
            return True
        except Exception as e:  # a failed delete is counted, not fatal: the report says how many
            code = getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__)
            errors[code] = errors.get(code, 0) + 1
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(delete, ids))
    print(json.dumps({"seconds": time.monotonic() - started, "failed": results.count(False), "errors": errors}))


if __name__ == "__main__":
    main()
