// Sends real requests with the official Alibaba Cloud Node SDKs to the C# emulator and prints one JSON line.
// Usage: node probe.js <host:port> <accessKeyId> <accessKeySecret> <v3|v1> <expect: ok|SignatureDoesNotMatch>
// Exits non-zero when the outcome differs from <expect>.
'use strict';
const Ecs = require('@alicloud/ecs20140526');
const Vpc = require('@alicloud/vpc20160428');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

async function main() {
  const [endpoint, accessKeyId, accessKeySecret, mode, expect] = process.argv.slice(2);
  if (!endpoint || !accessKeyId || !accessKeySecret || !['v3', 'v1'].includes(mode) || !expect) {
    throw new Error('usage: node probe.js <host:port> <accessKeyId> <accessKeySecret> <v3|v1> <ok|ErrorCode>');
  }
  const config = () => {
    const c = new $OpenApiUtil.Config({ accessKeyId, accessKeySecret, endpoint, protocol: 'http', regionId: 'cn-beijing' });
    // openapi-core calls the legacy RPC (HMAC-SHA1 v1) signature 'v2'; anything else is ACS3-HMAC-SHA256.
    if (mode === 'v1') c.signatureAlgorithm = 'v2';
    return c;
  };
  const ecs = new Ecs.default(config());
  const vpc = new Vpc.default(config());
  const steps = [];
  const step = async (name, fn) => {
    try {
      const res = await fn();
      steps.push({ name, ok: true, body: res.body });
    } catch (e) {
      steps.push({ name, ok: false, code: e.code, statusCode: e.statusCode });
    }
  };
  await step('releasePublicIpAddress', () => ecs.releasePublicIpAddress(
    new Ecs.ReleasePublicIpAddressRequest({ instanceId: 'i-sdk', publicIpAddress: '47.1.2.3', regionId: 'cn-beijing' })));
  await step('describeInstances', () => ecs.describeInstances(
    new Ecs.DescribeInstancesRequest({ regionId: 'cn-beijing', instanceIds: JSON.stringify(['i-sdk']) })));
  await step('allocateEipAddress', () => vpc.allocateEipAddress(
    new Vpc.AllocateEipAddressRequest({ regionId: 'cn-beijing', bandwidth: '7', name: 'sdk eip*~', clientToken: 'sdk-token-' + mode })));
  const allocated = steps[2].ok ? steps[2].body.allocationId : 'eip-missing';
  await step('describeEipAddresses', () => vpc.describeEipAddresses(
    new Vpc.DescribeEipAddressesRequest({ regionId: 'cn-beijing', allocationId: allocated })));

  let pass;
  if (expect === 'ok') {
    pass = steps.every(s => s.ok)
      && steps[1].body.instances.instance.length === 1
      && steps[3].body.eipAddresses.eipAddress.length === 1
      && steps[3].body.eipAddresses.eipAddress[0].name === 'sdk eip*~';
  } else {
    pass = steps.every(s => !s.ok && s.code === expect);
  }
  console.log(JSON.stringify({ mode, expect, pass, steps }));
  process.exit(pass ? 0 : 1);
}

main().catch(e => {
  console.log(JSON.stringify({ pass: false, error: String(e && e.message || e) }));
  process.exit(2);
});
