using PublicIp.Protocol.Host;
using PublicIp.Provider;
using PublicIp.Provider.Operator;

// A verb (sweep, ...) is an operator at a terminal; anything else is the engine's launch contract, unchanged.
if (OperatorCli.IsOperatorInvocation(args))
{
    return await OperatorCli.RunAsync(args, Environment.GetEnvironmentVariable);
}
return await ProviderServer.RunAsync(args, secrets => new PublicIpProvider(Environment.GetEnvironmentVariable, secrets: secrets));
