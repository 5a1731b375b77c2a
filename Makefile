# Two entry points for people: `make demo` (the main job end to end on moto) and `make test`.
SHELL := /bin/bash
DOTNET ?= dotnet
RID ?= linux-x64
ARTIFACTS := artifacts
PROVIDER_BIN := $(ARTIFACTS)/provider/pulumi-resource-publicip
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all provider build test demo bench bench-destroy tools schema docs dist clean

all: provider

## provider: publish the plugin with Native AOT to artifacts/provider/
provider:
	$(DOTNET) publish provider/PublicIp.Provider -c Release -r $(RID) -o $(ARTIFACTS)/provider -p:TreatWarningsAsErrors=true

build:
	$(DOTNET) build PulumiProvider.sln -c Release

## schema: write schema.json and README.md's reference tables (inputs, outputs, config keys, diagnostics, retried codes)
## from the declarations, catalogues and retry rules (tests fail when the committed files differ); `make docs` is the same
schema docs:
	PUBLICIP_WRITE_GENERATED=1 $(DOTNET) test tests/PublicIp.Tests -c Release --filter "FullyQualifiedName~PublicIp.Tests.Generated.GeneratedFilesTests.Schema_json|FullyQualifiedName~PublicIp.Tests.Generated.GeneratedFilesTests.Readme_reference_tables" --logger "console;verbosity=minimal"

## tools: the npm packages the tests drive (Pulumi's generated stubs, ajv, the official Alibaba SDK)
tools:
	cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error
	cd tests/alibaba-sdk && npm ci --no-audit --no-fund --loglevel=error

## test: publish the plugin, install the npm peers, run every test project (moto is started by the tests);
## ends with one overall total and fails if a test left a process behind
test: provider tools
	tests/run-all $(DOTNET) $(ARTIFACTS)/test-results

## dist: the plugin archives Pulumi installs (pulumi-resource-publicip-v<version>-<os>-<arch>.tar.gz) and
## SHA256SUMS in artifacts/dist/, for every os/arch this machine's toolchain can build (it says which it skips)
dist: provider
	PUBLISHED=$(ARTIFACTS)/provider DOTNET=$(DOTNET) provider/dist --out $(ARTIFACTS)/dist

## demo: every example in examples/ played as preview, up, refresh and destroy on moto behind the EC2 rules
## proxy, through the published plugin (AWS_REGION is honoured where an example does not pin a region)
demo: provider
	$(DOTNET) run --project tests/PublicIp.Demo -c Release

## bench: start-to-port time and RSS, AOT against JIT, in one run
bench: provider
	$(DOTNET) run --project tests/PublicIp.Benchmarks -c Release

## bench-destroy: mass destroy (300 addresses, --parallel 16 and 64) against EC2's throttling, the plugin beside boto3
bench-destroy: provider
	$(DOTNET) run --project tests/PublicIp.DestroyBench -c Release

clean:
	rm -rf $(ARTIFACTS)
	$(DOTNET) clean PulumiProvider.sln
