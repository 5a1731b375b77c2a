using Amazon.Runtime;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// The SDK's own credential chain (web identity, profiles with role_arn) builds its STS client by reflection,
/// which Native AOT cannot do (MissingRuntimeDependencyException); the SDK's registry is the documented way
/// to hand it one instead. Registered once per process, before the first client is built.
/// </summary>
internal static class SdkRuntimeDependencies
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(context =>
        {
            var sts = context.SecurityTokenServiceClientContextData;
            var config = new AmazonSecurityTokenServiceConfig { RegionEndpoint = sts.Region };
            // Web identity and SAML calls are unsigned (the token is the proof); every other caller signs with its
            // source credentials itself, so the client needs none of its own from the default chain.
            return new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
        });
        return true;
    });

    public static void Ensure() => _ = Registered.Value;
}
