#!/usr/bin/env node
// Conformance with Pulumi's own client: drives the published plugin with the gRPC stubs that ship in
// @pulumi/pulumi (pinned in package.json), the way the engine does, against a moto endpoint.
//
//   node conformance.js <plugin-binary> <moto-endpoint-url>
//   node conformance.js --protos-only [proto-dir]     (static half only; proto-dir defaults to ours)
//
// Two halves, both must pass:
//  1. static: every message, field (number, name, type, label), enum value and RPC of our proto subset
//     (provider/PublicIp.Protocol/Protos/pulumi/*.proto) exists identically in Pulumi's generated stubs;
//  2. live: Handshake, GetPluginInfo, GetSchema, CheckConfig, Configure, Check, Diff, Create (preview),
//     Create, Read, Invoke (the lookups, with a secret and a bad argument), Delete and Cancel over real gRPC,
//     checking every result field relied on.
// Exits 0 and prints one JSON summary line on success; exits 1 with "conformance: FAIL ..." otherwise.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const grpc = require('@grpc/grpc-js');
const providerGrpc = require('@pulumi/pulumi/proto/provider_grpc_pb.js');
const providerPb = require('@pulumi/pulumi/proto/provider_pb.js');
const pluginPb = require('@pulumi/pulumi/proto/plugin_pb.js');
const engineGrpc = require('@pulumi/pulumi/proto/engine_grpc_pb.js');
const enginePb = require('@pulumi/pulumi/proto/engine_pb.js');
const emptyPb = require('google-protobuf/google/protobuf/empty_pb.js');
const structPb = require('google-protobuf/google/protobuf/struct_pb.js');

const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const TYPE = 'publicip:aws:ElasticIp';
const URN = `urn:pulumi:conformance::publicip-conformance::${TYPE}::web`;
const PROVIDER_URN = 'urn:pulumi:conformance::publicip-conformance::pulumi:providers:publicip::default';
const DEFAULT_PROTO_DIR = path.resolve(__dirname, '..', '..', 'provider', 'PublicIp.Protocol', 'Protos', 'pulumi');
const CALL_TIMEOUT_MS = 20000;

class Mismatch extends Error {}

function fail(message) {
  throw new Mismatch(message);
}

function expect(cond, message) {
  if (!cond) fail(message);
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---------------------------------------------------------------------------------------------------
// 1. Static comparison of our .proto subset with the generated stubs.

/** A tiny parser for the proto3 subset we write: messages (nested), enums, fields, oneofs, maps, services. */
function parseProto(text, file) {
  const src = text.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const tokens = src.match(/"[^"]*"|[A-Za-z_][\w.]*|\d+|[{}();=<>,\[\]]/g) || [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const want = (t) => {
    const got = next();
    if (got !== t) throw new Error(`${file}: expected '${t}' but found '${got}' (token ${i})`);
  };
  const skipStatement = () => { while (i < tokens.length && next() !== ';'); };
  const messages = [];
  const enums = [];
  const services = [];

  function parseEnum(prefix) {
    const name = next();
    const e = { name: prefix + name, values: {} };
    want('{');
    while (peek() !== '}') {
      if (peek() === 'option' || peek() === 'reserved') { skipStatement(); continue; }
      const valueName = next();
      want('=');
      e.values[valueName] = Number(next());
      skipStatement();
    }
    want('}');
    enums.push(e);
  }

  function parseMessage(prefix) {
    const name = next();
    const m = { name: prefix + name, fields: [] };
    messages.push(m);
    want('{');
    while (peek() !== '}') {
      const t = peek();
      if (t === 'message') { next(); parseMessage(m.name + '.'); continue; }
      if (t === 'enum') { next(); parseEnum(m.name + '.'); continue; }
      if (t === 'reserved' || t === 'option') { skipStatement(); continue; }
      if (t === 'oneof') { next(); next(); want('{'); continue; }
      if (t === ';') { next(); continue; }
      if (t === '}') break;
      let label = 'single';
      if (t === 'repeated' || t === 'optional') { label = next(); }
      let type;
      if (peek() === 'map') {
        next(); want('<'); const k = next(); want(','); const v = next(); want('>');
        type = `map<${k},${v}>`;
        label = 'map';
      } else {
        type = next();
      }
      const fieldName = next();
      want('=');
      const number = Number(next());
      skipStatement();
      m.fields.push({ name: fieldName, type, number, label });
    }
    want('}');
    // a closing brace of a oneof is consumed by the loop above as a field start; handle it:
  }

  while (i < tokens.length) {
    const t = next();
    if (t === 'message') parseMessage('');
    else if (t === 'enum') parseEnum('');
    else if (t === 'service') {
      const s = { name: next(), rpcs: [] };
      want('{');
      while (peek() !== '}') {
        if (next() !== 'rpc') continue;
        const rpcName = next();
        want('(');
        let reqStream = false;
        if (peek() === 'stream') { next(); reqStream = true; }
        const req = next();
        want(')'); want('returns'); want('(');
        let resStream = false;
        if (peek() === 'stream') { next(); resStream = true; }
        const res = next();
        want(')');
        if (peek() === '{') { next(); while (next() !== '}'); } else skipStatement();
        s.rpcs.push({ name: rpcName, req, res, reqStream, resStream });
      }
      want('}');
      services.push(s);
    } else if (t === 'syntax' || t === 'import' || t === 'package' || t === 'option') {
      skipStatement();
    } else if (t === '}') {
      // the closing brace of a oneof inside a message
    }
  }
  return { messages, enums, services };
}

/** Oneof blocks leave a stray '}' inside a message body; this parser variant tracks them explicitly. */
function parseProtoFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  // Flatten oneof blocks: "oneof x { a; b; }" -> "a; b;" (field numbers and names are unchanged).
  const flattened = text.replace(/oneof\s+\w+\s*\{([^{}]*)\}/g, '$1');
  return parseProto(flattened, path.basename(file));
}

const jsModules = [providerPb, pluginPb, enginePb];

function resolveJsType(protoName) {
  if (protoName === 'google.protobuf.Empty') return emptyPb.Empty;
  if (protoName === 'google.protobuf.Struct') return structPb.Struct;
  if (protoName === 'google.protobuf.Value') return structPb.Value;
  const parts = protoName.replace(/^pulumirpc\./, '').split('.');
  for (const mod of jsModules) {
    let cur = mod;
    for (const p of parts) cur = cur ? cur[p] : undefined;
    if (cur) return cur;
  }
  return undefined;
}

/** protoc-gen-js accessor name: split on '_', each word lower-cased then capitalised. */
function jsAccessor(fieldName) {
  return fieldName.split('_').filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join('');
}

const scalarAnnotations = {
  bool: /@type \{boolean\}/,
  string: /@type \{string\}/,
  int32: /@type \{number\}/,
  int64: /@type \{number\}/,
  uint32: /@type \{number\}/,
  double: /@type \{number\}/,
  float: /@type \{number\}/,
  bytes: /Uint8Array/,
};

function checkProtoSubset(PROTO_DIR) {
  const problems = [];
  let fieldCount = 0;
  let rpcCount = 0;
  const files = fs.readdirSync(PROTO_DIR).filter((f) => f.endsWith('.proto')).sort();
  expect(files.length > 0, `no .proto files found in ${PROTO_DIR}`);
  const parsed = files.map((f) => parseProtoFile(path.join(PROTO_DIR, f)));
  const messageNames = new Set(parsed.flatMap((p) => p.messages.map((m) => m.name)));
  const enumNames = new Set(parsed.flatMap((p) => p.enums.map((e) => e.name)));

  for (const { messages, enums, services } of parsed) {
    for (const m of messages) {
      const ctor = resolveJsType(m.name);
      if (!ctor) { problems.push(`message pulumirpc.${m.name} does not exist in Pulumi's stubs`); continue; }
      for (const f of m.fields) {
        fieldCount++;
        const suffix = f.label === 'repeated' ? 'List' : f.label === 'map' ? 'Map' : '';
        const getter = `get${jsAccessor(f.name)}${suffix}`;
        const fn = ctor.prototype[getter];
        if (typeof fn !== 'function') {
          problems.push(`${m.name}.${f.name} (=${f.number}): Pulumi's stubs have no such field (no ${getter}())`);
          continue;
        }
        const body = fn.toString();
        const num = /\(this,\s*(?:[A-Za-z_][\w.]*,\s*)?(\d+)/.exec(body);
        if (!num) { problems.push(`${m.name}.${f.name}: cannot read the field number from ${getter}()`); continue; }
        if (Number(num[1]) !== f.number) {
          problems.push(`${m.name}.${f.name}: field number is ${f.number} in our proto but ${num[1]} in Pulumi's`);
        }
        if (f.label === 'map') {
          if (!/getMapField/.test(body)) problems.push(`${m.name}.${f.name}: map in ours, not a map in Pulumi's`);
          continue;
        }
        if (f.label === 'repeated' && !/getRepeated(Wrapper)?Field/.test(body)) {
          problems.push(`${m.name}.${f.name}: repeated in ours, not in Pulumi's`);
        }
        if (f.label !== 'repeated' && /getRepeated/.test(body)) {
          problems.push(`${m.name}.${f.name}: singular in ours, repeated in Pulumi's`);
        }
        const scalar = scalarAnnotations[f.type];
        if (scalar) {
          if (f.label !== 'repeated' && !scalar.test(body)) problems.push(`${m.name}.${f.name}: type ${f.type} in ours, differs in Pulumi's (${body.split('\n')[1].trim()})`);
        } else {
          const short = f.type.split('.').pop();
          const local = messageNames.has(f.type) || enumNames.has(f.type) || [...messageNames, ...enumNames].some((n) => n.endsWith('.' + f.type));
          if (!f.type.startsWith('google.') && !local) problems.push(`${m.name}.${f.name}: type ${f.type} is not declared in our protos`);
          if (!body.includes(short)) problems.push(`${m.name}.${f.name}: type ${f.type} in ours, differs in Pulumi's (${body.split('\n')[1].trim()})`);
        }
      }
    }
    for (const e of enums) {
      const jsEnum = resolveJsType(e.name);
      if (!jsEnum) { problems.push(`enum pulumirpc.${e.name} does not exist in Pulumi's stubs`); continue; }
      for (const [k, v] of Object.entries(e.values)) {
        if (jsEnum[k] !== v) problems.push(`enum ${e.name}.${k} is ${v} in ours but ${jsEnum[k]} in Pulumi's`);
      }
    }
    for (const s of services) {
      const jsService = s.name === 'ResourceProvider' ? providerGrpc.ResourceProviderService
        : s.name === 'Engine' ? engineGrpc.EngineService : undefined;
      if (!jsService) { problems.push(`service ${s.name}: not known to this check`); continue; }
      for (const r of s.rpcs) {
        rpcCount++;
        const key = r.name[0].toLowerCase() + r.name.slice(1);
        const def = jsService[key];
        if (!def) { problems.push(`rpc ${s.name}.${r.name}: Pulumi's service has no such method`); continue; }
        if (def.path !== `/pulumirpc.${s.name}/${r.name}`) problems.push(`rpc ${r.name}: path ${def.path}`);
        if (def.requestType !== resolveJsType(r.req)) problems.push(`rpc ${r.name}: request type ${r.req} differs from Pulumi's`);
        if (def.responseType !== resolveJsType(r.res)) problems.push(`rpc ${r.name}: response type ${r.res} differs from Pulumi's`);
        if (def.requestStream !== r.reqStream || def.responseStream !== r.resStream) problems.push(`rpc ${r.name}: streaming differs from Pulumi's`);
      }
    }
  }
  if (problems.length > 0) fail(`our proto subset drifted from @pulumi/pulumi's stubs:\n  - ${problems.join('\n  - ')}`);
  return { protoFiles: files.length, messages: messageNames.size, fields: fieldCount, rpcs: rpcCount };
}

// ---------------------------------------------------------------------------------------------------
// 2. Live run against the plugin.

function startEngine(logs) {
  const server = new grpc.Server();
  server.addService(engineGrpc.EngineService, {
    log(call, callback) {
      const r = call.request;
      logs.push({ severity: r.getSeverity(), message: r.getMessage(), urn: r.getUrn(), ephemeral: r.getEphemeral() });
      callback(null, new emptyPb.Empty());
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err); else resolve({ server, address: `127.0.0.1:${port}` });
    });
  });
}

function spawnPlugin(binary, engineAddress) {
  const child = spawn(binary, [engineAddress], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Mismatch(`the plugin printed no port line within 30 s; stderr: ${stderr}`)), 30000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Mismatch(`cannot start ${binary}: ${e.message}`)); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Mismatch(`the plugin exited (${code}) before printing its port; stderr: ${stderr}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        const line = out.slice(0, nl).trim();
        const n = Number(line);
        if (!/^\d+$/.test(line) || n < 1 || n > 65535) reject(new Mismatch(`the plugin's first stdout line is not a port: ${JSON.stringify(line)}`));
        else resolve(n);
      }
    });
  });
  return { child, port, stderr: () => stderr };
}

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + CALL_TIMEOUT_MS);
    client[method](request, new grpc.Metadata(), { deadline }, (err, res) => {
      if (err) reject(new Mismatch(`${method} failed: ${grpc.status[err.code] || err.code} ${err.details || err.message}`));
      else resolve(res);
    });
  });
}

const toStruct = (obj) => structPb.Struct.fromJavaScript(obj);
const fromStruct = (s) => (s ? s.toJavaScript() : undefined);
const secret = (value) => ({ [SIG_KEY]: SECRET_SIG, value });
const unwrap = (v) => (v && typeof v === 'object' && v[SIG_KEY] === SECRET_SIG ? v.value : v);

async function runLive(binary, motoEndpoint) {
  const summary = { calls: [] };
  const logs = [];
  const engine = await startEngine(logs);
  const plugin = spawnPlugin(binary, engine.address);
  let client;
  try {
    const port = await plugin.port;
    summary.port = port;
    client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const step = async (name, method, req) => {
      const res = await call(client, method, req);
      summary.calls.push(name);
      return res;
    };

    // Handshake, as the engine sends it.
    const hs = new providerPb.ProviderHandshakeRequest();
    hs.setEngineAddress(engine.address);
    hs.setRootDirectory(path.dirname(path.resolve(binary)));
    hs.setProgramDirectory(process.cwd());
    hs.setConfigureWithUrn(true);
    hs.setSupportsViews(true);
    hs.setInvokeWithPreview(true);
    hs.setAcceptsByteString(true);
    hs.setSendsOldOutputsToCheck(true); // npm-only fields: proto3 must ignore them
    hs.setAcceptsOutputsInCheck(true);
    const hsRes = await step('Handshake', 'handshake', hs);
    expectEqual(hsRes.getAcceptSecrets(), true, 'Handshake.accept_secrets');
    expectEqual(hsRes.getAcceptResources(), true, 'Handshake.accept_resources');
    expectEqual(hsRes.getAcceptOutputs(), true, 'Handshake.accept_outputs');
    expectEqual(hsRes.getAcceptsByteString(), false, 'Handshake.accepts_byte_string (the provider does not decode byte strings)');

    const info = await step('GetPluginInfo', 'getPluginInfo', new emptyPb.Empty());
    expect(/^\d+\.\d+\.\d+/.test(info.getVersion()), `GetPluginInfo.version is not semver: ${JSON.stringify(info.getVersion())}`);
    summary.version = info.getVersion();

    const schemaReq = new providerPb.GetSchemaRequest();
    schemaReq.setVersion(0);
    const schemaRes = await step('GetSchema', 'getSchema', schemaReq);
    let schema;
    try { schema = JSON.parse(schemaRes.getSchema()); } catch (e) { fail(`GetSchema.schema is not JSON: ${e.message}`); }
    expectEqual(schema.name, 'publicip', 'schema.name');
    expect(schema.resources && schema.resources[TYPE], `schema.resources has no ${TYPE}`);
    expect(schema.resources[TYPE].properties && schema.resources[TYPE].properties.publicIp, `schema ${TYPE} has no publicIp output`);

    // CheckConfig + Configure, with the credentials as Pulumi secrets.
    const config = {
      awsRegion: 'us-east-1',
      awsEndpoint: motoEndpoint,
      awsAccessKey: secret('testing'),
      awsSecretKey: secret('testing'),
    };
    const cc = new providerPb.CheckRequest();
    cc.setUrn(PROVIDER_URN);
    cc.setName('default');
    cc.setType('pulumi:providers:publicip');
    cc.setOlds(toStruct({}));
    cc.setNews(toStruct(config));
    const ccRes = await step('CheckConfig', 'checkConfig', cc);
    expectEqual(ccRes.getFailuresList().length, 0, `CheckConfig failures ${JSON.stringify(ccRes.getFailuresList().map((f) => f.toObject()))}; count`);
    const checkedConfig = fromStruct(ccRes.getInputs());
    expect(checkedConfig, 'CheckConfig returned no inputs');
    expectEqual(checkedConfig.awsRegion, 'us-east-1', 'CheckConfig.inputs.awsRegion');
    expectEqual(unwrap(checkedConfig.awsAccessKey), 'testing', 'CheckConfig.inputs.awsAccessKey');

    const conf = new providerPb.ConfigureRequest();
    conf.setArgs(ccRes.getInputs());
    conf.setAcceptsecrets(true);
    conf.setAcceptresources(true);
    conf.setSendsOldInputs(true);
    conf.setSendsOldInputsToDelete(true);
    conf.setId('11111111-2222-3333-4444-555555555555');
    conf.setUrn(PROVIDER_URN);
    conf.setName('default');
    conf.setType('pulumi:providers:publicip');
    const vars = conf.getVariablesMap();
    vars.set('publicip:config:awsRegion', 'us-east-1');
    vars.set('publicip:config:awsEndpoint', motoEndpoint);
    vars.set('publicip:config:awsAccessKey', 'testing');
    vars.set('publicip:config:awsSecretKey', 'testing');
    const confRes = await step('Configure', 'configure', conf);
    expectEqual(confRes.getAcceptsecrets(), true, 'Configure.acceptSecrets');
    expectEqual(confRes.getSupportspreview(), true, 'Configure.supportsPreview');

    // Check the resource inputs.
    const inputs = { tags: { team: 'net', purpose: 'conformance' } };
    const check = new providerPb.CheckRequest();
    check.setUrn(URN);
    check.setName('web');
    check.setType(TYPE);
    check.setOlds(toStruct({}));
    check.setNews(toStruct(inputs));
    check.setRandomseed(new Uint8Array(32));
    const checkRes = await step('Check', 'check', check);
    expectEqual(checkRes.getFailuresList().length, 0, `Check failures ${JSON.stringify(checkRes.getFailuresList().map((f) => f.toObject()))}; count`);
    const checked = fromStruct(checkRes.getInputs());
    expect(checked && checked.tags && checked.tags.team === 'net', `Check.inputs lost the tags: ${JSON.stringify(checked)}`);

    // Diff of identical inputs (as for an unchanged resource): no changes.
    const diff = new providerPb.DiffRequest();
    diff.setId('eipalloc-00000000');
    diff.setUrn(URN);
    diff.setName('web');
    diff.setType(TYPE);
    diff.setOlds(toStruct({ ...checked, allocationId: 'eipalloc-00000000', publicIp: '198.51.100.7' }));
    diff.setOldInputs(checkRes.getInputs());
    diff.setNews(checkRes.getInputs());
    const diffRes = await step('Diff', 'diff', diff);
    expectEqual(diffRes.getChanges(), providerPb.DiffResponse.DiffChanges.DIFF_NONE, 'Diff(same inputs).changes');
    expectEqual(diffRes.getReplacesList().length, 0, 'Diff(same inputs).replaces count');

    // A changed tag: DIFF_SOME with a detailed diff on tags, no replacement.
    const diff2 = diff.clone();
    diff2.setNews(toStruct({ ...checked, tags: { team: 'edge', purpose: 'conformance' } }));
    const diff2Res = await step('Diff', 'diff', diff2);
    expectEqual(diff2Res.getChanges(), providerPb.DiffResponse.DiffChanges.DIFF_SOME, 'Diff(changed tag).changes');
    expectEqual(diff2Res.getReplacesList().length, 0, 'Diff(changed tag).replaces count');
    expect(diff2Res.getDiffsList().includes('tags'), `Diff(changed tag).diffs lacks "tags": ${JSON.stringify(diff2Res.getDiffsList())}`);
    if (diff2Res.getHasdetaileddiff()) {
      const keys = diff2Res.getDetaileddiffMap().getEntryList().map((e) => e[0]);
      expect(keys.some((k) => k === 'tags' || k.startsWith('tags.') || k.startsWith('tags[')), `Diff.detailedDiff has no tags path: ${JSON.stringify(keys)}`);
    }

    // Create with preview=true: no id, publicIp unknown.
    const createReq = (preview) => {
      const c = new providerPb.CreateRequest();
      c.setUrn(URN);
      c.setName('web');
      c.setType(TYPE);
      c.setProperties(checkRes.getInputs());
      c.setTimeout(0);
      c.setPreview(preview);
      return c;
    };
    const previewRes = await step('Create(preview)', 'create', createReq(true));
    expectEqual(previewRes.getId(), '', 'Create(preview).id');
    const previewOut = fromStruct(previewRes.getProperties()) || {};
    expectEqual(previewOut.publicIp, UNKNOWN, 'Create(preview).properties.publicIp');

    // Create for real.
    const created = await step('Create', 'create', createReq(false));
    const id = created.getId();
    expect(id.startsWith('eipalloc-'), `Create.id should start with eipalloc-: ${JSON.stringify(id)}`);
    const outs = fromStruct(created.getProperties()) || {};
    expectEqual(unwrap(outs.allocationId), id, 'Create.properties.allocationId');
    expect(typeof unwrap(outs.publicIp) === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(unwrap(outs.publicIp)), `Create.properties.publicIp is not an IPv4 address: ${JSON.stringify(outs.publicIp)}`);
    expect(!JSON.stringify(outs).includes(UNKNOWN), 'Create (not preview) returned an unknown output');
    summary.id = id;
    summary.publicIp = unwrap(outs.publicIp);

    // Read (refresh) returns the same id and address.
    const read = new providerPb.ReadRequest();
    read.setId(id);
    read.setUrn(URN);
    read.setName('web');
    read.setType(TYPE);
    read.setProperties(created.getProperties());
    read.setInputs(checkRes.getInputs());
    const readRes = await step('Read', 'read', read);
    expectEqual(readRes.getId(), id, 'Read.id');
    const readOuts = fromStruct(readRes.getProperties()) || {};
    expectEqual(unwrap(readOuts.publicIp), summary.publicIp, 'Read.properties.publicIp');
    const readInputs = fromStruct(readRes.getInputs()) || {};
    expect(JSON.stringify(unwrap(readInputs.tags)) === JSON.stringify(inputs.tags) || (unwrap(readInputs.tags) && unwrap(readInputs.tags).team === 'net'),
      `Read.inputs.tags: ${JSON.stringify(readInputs.tags)}`);

    // Invoke: the lookups a component author uses, as the engine sends them during a preview.
    expect(schema.functions && schema.functions['publicip:aws:getElasticIp'], 'schema.functions has no publicip:aws:getElasticIp');
    const invoke = async (name, tok, args) => {
      const req = new providerPb.InvokeRequest();
      req.setTok(tok);
      req.setArgs(toStruct(args));
      req.setPreview(true);
      const res = await step(name, 'invoke', req);
      return { ret: fromStruct(res.getReturn()) || {}, failures: res.getFailuresList().map((f) => f.toObject()) };
    };
    const one = await invoke('Invoke(getElasticIp)', 'publicip:aws:getElasticIp', { allocationId: id });
    expectEqual(one.failures.length, 0, `Invoke(getElasticIp) failures ${JSON.stringify(one.failures)}; count`);
    expectEqual(one.ret.allocationId, id, 'Invoke(getElasticIp).return.allocationId');
    expectEqual(one.ret.publicIp, summary.publicIp, 'Invoke(getElasticIp).return.publicIp');
    expectEqual(one.ret.domain, 'vpc', 'Invoke(getElasticIp).return.domain');
    expectEqual(JSON.stringify(one.ret.tags), JSON.stringify({ purpose: 'conformance', team: 'net' }), 'Invoke(getElasticIp).return.tags');
    const many = await invoke('Invoke(getElasticIps)', 'publicip:aws:getElasticIps', { tags: { team: 'net' } });
    expectEqual(JSON.stringify(many.ret.allocationIds), JSON.stringify([id]), 'Invoke(getElasticIps).return.allocationIds');
    expectEqual(JSON.stringify(many.ret.publicIps), JSON.stringify([summary.publicIp]), 'Invoke(getElasticIps).return.publicIps');
    const hidden = await invoke('Invoke(secret)', 'publicip:aws:getElasticIp', { publicIp: secret(summary.publicIp) });
    expectEqual(unwrap(hidden.ret.allocationId), id, 'Invoke(secret publicIp).return.allocationId');
    expect(hidden.ret.allocationId && hidden.ret.allocationId[SIG_KEY] === SECRET_SIG, `Invoke(secret publicIp).return.allocationId is not a secret: ${JSON.stringify(hidden.ret.allocationId)}`);
    const bad = await invoke('Invoke(bad)', 'publicip:aws:getElasticIp', { filters: [{ name: 'tag:team' }], colour: 'red' });
    const failed = bad.failures.map((f) => f.property).sort();
    expectEqual(JSON.stringify(failed), JSON.stringify(['colour', 'filters[0].values']), 'Invoke(bad arguments).failures properties');

    // Delete.
    const del = new providerPb.DeleteRequest();
    del.setId(id);
    del.setUrn(URN);
    del.setName('web');
    del.setType(TYPE);
    del.setProperties(readRes.getProperties());
    del.setOldInputs(checkRes.getInputs());
    del.setTimeout(0);
    const delRes = await step('Delete', 'delete', del);
    expect(delRes instanceof emptyPb.Empty, 'Delete did not return google.protobuf.Empty');

    // Read after delete: an empty id means "gone".
    const gone = await step('Read(deleted)', 'read', read);
    expectEqual(gone.getId(), '', 'Read(after delete).id');

    // Cancel, as the engine does at every shutdown; then SIGINT, and the plugin must exit.
    await step('Cancel', 'cancel', new emptyPb.Empty());
    const exited = new Promise((resolve) => plugin.child.once('exit', (code, signal) => resolve({ code, signal })));
    plugin.child.kill('SIGINT');
    const exit = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
    expect(exit !== null, 'the plugin did not exit within 5 s of Cancel + SIGINT');
    summary.exit = exit;
    summary.engineLogs = logs.length;
    return summary;
  } catch (e) {
    if (e instanceof Mismatch && plugin.stderr()) e.message += `\nplugin stderr (tail):\n${plugin.stderr().slice(-2000)}`;
    throw e;
  } finally {
    if (client) client.close();
    if (plugin.child.exitCode === null && plugin.child.signalCode === null) plugin.child.kill('SIGKILL');
    engine.server.forceShutdown();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const protosOnly = args[0] === '--protos-only';
  const [binary, motoEndpoint] = args;
  if (!protosOnly && (!binary || !motoEndpoint)) {
    console.error('usage: node conformance.js <plugin-binary> <moto-endpoint-url> | --protos-only [proto-dir]');
    process.exit(2);
  }
  const started = Date.now();
  try {
    const proto = checkProtoSubset(protosOnly && args[1] ? path.resolve(args[1]) : DEFAULT_PROTO_DIR);
    const live = protosOnly ? {} : await runLive(binary, motoEndpoint);
    console.log(JSON.stringify({ ok: true, pulumiStubs: require('@pulumi/pulumi/package.json').version, proto, ...live, ms: Date.now() - started }));
    process.exit(0);
  } catch (e) {
    console.error(`conformance: FAIL ${e instanceof Mismatch ? e.message : e.stack}`);
    console.log(JSON.stringify({ ok: false, error: e.message.split('\n')[0] }));
    process.exit(1);
  }
}

main();
