using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using PublicIp.Protocol.Host;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Configuration;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>Builds the EC2 client from config; the seam tests replace to inject faults at the SDK.</summary>
public interface IEc2ClientFactory
{
    IAmazonEC2 Create(AwsConfig config);
}

/// <summary>The SDK's EC2 client; every credential it signs with is reported to <paramref name="secrets"/> first.</summary>
public sealed class Ec2ClientFactory(ISecretSink? secrets = null) : IEc2ClientFactory
{
    public IAmazonEC2 Create(AwsConfig config)
    {
        SdkRuntimeDependencies.Ensure();
        if (string.IsNullOrEmpty(config.Region))
        {
            throw new ResourceException(FailureKind.FailedPrecondition,
                "no AWS region is configured: set it with `pulumi config set publicip:awsRegion <region>` or the AWS_REGION environment variable");
        }
        if (!RegionIds.IsAws(config.Region))
        {
            throw new ResourceException(FailureKind.InvalidInput, RegionIds.AwsProblem("awsRegion", config.Region));
        }
        // One attempt per EC2 call: Retries.Retry decides every retry (throttling until the deadline, server errors up
        // to awsMaxRetries), so the SDK's retries and its shared retry quota never stack with it.
        var ec2Config = Configure(new AmazonEC2Config(), config, config.Endpoint, maxErrorRetry: 0);
        var credentials = Observed(AssumeRoles(config, Observed(ResolveCredentials(config)), Observed));
        return credentials is null ? new AmazonEC2Client(ec2Config) : new AmazonEC2Client(credentials, ec2Config);
    }

    /// <summary>
    /// Wraps the base credentials in one <see cref="AssumedRoleCredentials"/> per hop of awsAssumeRole, each hop's
    /// STS client signed by the hop before. No roles: the base credentials (null means the SDK's default chain).
    /// </summary>
    internal static AWSCredentials? AssumeRoles(AwsConfig config, AWSCredentials? baseCredentials, Func<AWSCredentials?, AWSCredentials?>? observe = null)
    {
        observe ??= c => c;
        if (config.AssumeRoles.Length == 0)
        {
            return baseCredentials;
        }
        // The default chain (environment, web identity, SSO, container and instance roles) signs the first hop.
        AWSCredentials signer;
        try
        {
            signer = baseCredentials ?? observe(DefaultAWSCredentialsIdentityResolver.GetCredentials())!;
        }
        catch (AmazonClientException)
        {
            throw new ResourceException(FailureKind.FailedPrecondition,
                "awsAssumeRole needs credentials to call sts:AssumeRole with, and none were found: set publicip:awsProfile or " +
                "publicip:awsAccessKey/awsSecretKey, or provide them through the AWS_* environment, web identity, SSO or an instance role");
        }
        for (var i = 0; i < config.AssumeRoles.Length; i++)
        {
            signer = observe(new AssumedRoleCredentials(StsClient(config, signer), config.AssumeRoles[i], i + 1, config.AssumeRoles.Length))!;
        }
        return signer;
    }

    /// <summary>
    /// The credentials as the signer will see them, reported to the scrub list on first use and on every renewal.
    /// No credentials (the SDK's default chain: environment, web identity, SSO, container and instance roles): the
    /// chain's choice, observed the same way; when the chain finds nothing the client is left to say so as it does.
    /// </summary>
    private AWSCredentials? Observed(AWSCredentials? credentials)
    {
        if (secrets is null || credentials is ObservedCredentials)
        {
            return credentials;
        }
        if (credentials is null)
        {
            try
            {
                credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
            }
            catch (AmazonClientException)
            {
                return null;
            }
        }
        return new ObservedCredentials(credentials, secrets);
    }

    internal static AmazonSecurityTokenServiceClient StsClient(AwsConfig config, AWSCredentials signer)
    {
        // STS (role assumption, outside any one operation) keeps the SDK's own retries.
        return new AmazonSecurityTokenServiceClient(signer, Configure(new AmazonSecurityTokenServiceConfig(), config, config.StsEndpoint, config.MaxRetries));
    }

    /// <summary>Retries and endpoint: an override URL signed for the configured region, else the region's own endpoint.</summary>
    private static T Configure<T>(T clientConfig, AwsConfig config, string? endpoint, int maxErrorRetry) where T : ClientConfig
    {
        clientConfig.MaxErrorRetry = maxErrorRetry;
        clientConfig.RetryMode = RequestRetryMode.Standard;
        if (endpoint is not null)
        {
            clientConfig.ServiceURL = endpoint;
            clientConfig.AuthenticationRegion = config.Region;
        }
        else
        {
            clientConfig.RegionEndpoint = RegionEndpoint.GetBySystemName(config.Region);
        }
        return clientConfig;
    }

    /// <summary>
    /// A `role_arn` + `source_profile` profile, assumed with our own <see cref="AssumedRoleCredentials"/> (renewed like
    /// awsAssumeRole): the SDK's own AssumeRoleAWSCredentials fails under Native AOT (a NullReferenceException inside
    /// its STS call, seen with AWSSDK.Core 4.0.102.19). Null for every other kind of profile, which the SDK resolves.
    /// </summary>
    private static AWSCredentials? RoleOfProfile(AwsConfig config, CredentialProfileStoreChain store, CredentialProfile profile, int depth = 0)
    {
        var options = profile.Options;
        if (string.IsNullOrEmpty(options.RoleArn) || string.IsNullOrEmpty(options.SourceProfile) || depth > 4)
        {
            return null;
        }
        if (!store.TryGetProfile(options.SourceProfile, out var source))
        {
            throw new ResourceException(FailureKind.FailedPrecondition,
                $"the AWS profile '{profile.Name}' names source_profile '{options.SourceProfile}', which was not found in the shared credentials or config file");
        }
        var signer = RoleOfProfile(config, store, source, depth + 1)
            ?? (store.TryGetAWSCredentials(source.Name, out var sourceCredentials) ? sourceCredentials : null)
            ?? throw new ResourceException(FailureKind.FailedPrecondition,
                $"the AWS profile '{profile.Name}' names source_profile '{source.Name}', which holds no credentials");
        var role = new RoleToAssume(options.RoleArn, string.IsNullOrEmpty(options.RoleSessionName) ? RoleConfig.DefaultSessionName : options.RoleSessionName,
            string.IsNullOrEmpty(options.ExternalID) ? null : options.ExternalID, RoleConfig.Aws.DefaultDuration, null, [],
            System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty);
        return new AssumedRoleCredentials(StsClient(config, signer), role, 1, 1);
    }

    private static AWSCredentials? ResolveCredentials(AwsConfig config)
    {
        if (config.AccessKey is not null && config.SecretKey is not null)
        {
            return config.SessionToken is null
                ? new BasicAWSCredentials(config.AccessKey, config.SecretKey)
                : new SessionAWSCredentials(config.AccessKey, config.SecretKey, config.SessionToken);
        }
        if (config.Profile is not null)
        {
            var store = new CredentialProfileStoreChain();
            if (store.TryGetProfile(config.Profile, out var profile) && RoleOfProfile(config, store, profile) is { } assumed)
            {
                return assumed;
            }
            if (store.TryGetAWSCredentials(config.Profile, out var profileCredentials))
            {
                return profileCredentials;
            }
            throw new ResourceException(FailureKind.FailedPrecondition,
                $"the AWS profile '{config.Profile}' was not found in the shared credentials or config file");
        }
        return null; // the SDK's default chain: environment, web identity, container and instance roles
    }
}
