using PublicIp.Protocol.Host;
using PublicIp.Provider;

return await ProviderServer.RunAsync(args, () => new PublicIpProvider(Environment.GetEnvironmentVariable));
