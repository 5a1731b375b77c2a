using Amazon.Runtime;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Amazon.SSO;
using Amazon.SSOOIDC;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>
/// The SDK's own credential chain builds the clients it needs by reflection: STS (web identity, profiles with
/// role_arn), SSO (GetRoleCredentials for sso_* profiles) and SSO OIDC (refreshing an sso-session token). Native AOT
/// cannot do that (MissingRuntimeDependencyException); the SDK's registry is the documented way to hand it the
/// clients instead. Registered once per process, before the first client is built. Each honours the SDK's endpoint
/// settings (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO, …) like a client the SDK would have built itself.
/// </summary>
internal static class SdkRuntimeDependencies
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        var registry = GlobalRuntimeDependencyRegistry.Instance;
        registry.RegisterSecurityTokenServiceClient(context =>
        {
            var sts = context.SecurityTokenServiceClientContextData;
            var config = new AmazonSecurityTokenServiceConfig { RegionEndpoint = sts.Region };
            // Web identity and SAML calls are unsigned (the token is the proof); every other caller signs with its
            // source credentials itself, so the client needs none of its own from the default chain.
            return new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
        });
        // The portal and OIDC calls are authorised by the cached SSO token, never by AWS credentials.
        registry.RegisterSSOClient(context =>
            new AmazonSSOClient(new AnonymousAWSCredentials(), new AmazonSSOConfig { RegionEndpoint = context.SSOClientContextData.Region }));
        registry.RegisterSSOOIDCClient(context =>
            new AmazonSSOOIDCClient(new AnonymousAWSCredentials(), new AmazonSSOOIDCConfig { RegionEndpoint = context.SSOOIDCClientContextData.Region }));
        return true;
    });

    public static void Ensure() => _ = Registered.Value;
}
