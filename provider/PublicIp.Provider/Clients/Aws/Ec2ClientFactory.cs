using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Grpc.Core;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Configuration;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>Builds the EC2 client from config; the seam tests replace to inject faults at the SDK.</summary>
public interface IEc2ClientFactory
{
    IAmazonEC2 Create(AwsConfig config);
}

public sealed class Ec2ClientFactory : IEc2ClientFactory
{
    public IAmazonEC2 Create(AwsConfig config)
    {
        if (string.IsNullOrEmpty(config.Region))
        {
            throw new ResourceException(StatusCode.FailedPrecondition,
                "no AWS region is configured: set it with `pulumi config set publicip:awsRegion <region>` or the AWS_REGION environment variable");
        }
        if (!RegionIds.IsAws(config.Region))
        {
            throw new ResourceException(StatusCode.InvalidArgument, RegionIds.AwsProblem("awsRegion", config.Region));
        }
        var ec2Config = new AmazonEC2Config
        {
            // The SDK retries throttling and 5xx with backoff; our own retries cover the EC2 consistency codes.
            MaxErrorRetry = config.MaxRetries,
            RetryMode = RequestRetryMode.Standard,
        };
        if (config.Endpoint is not null)
        {
            ec2Config.ServiceURL = config.Endpoint;
            ec2Config.AuthenticationRegion = config.Region;
        }
        else
        {
            ec2Config.RegionEndpoint = RegionEndpoint.GetBySystemName(config.Region);
        }
        var credentials = ResolveCredentials(config);
        return credentials is null ? new AmazonEC2Client(ec2Config) : new AmazonEC2Client(credentials, ec2Config);
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
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(config.Profile, out var profileCredentials))
            {
                return profileCredentials;
            }
            throw new ResourceException(StatusCode.FailedPrecondition,
                $"the AWS profile '{config.Profile}' was not found in the shared credentials or config file");
        }
        return null; // the SDK's default chain: environment, web identity, container and instance roles
    }
}
