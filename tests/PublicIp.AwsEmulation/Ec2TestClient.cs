using Amazon.EC2;
using Amazon.Runtime;

namespace PublicIp.AwsEmulation;

/// <summary>Builds SDK clients for moto or the proxy.</summary>
public static class Ec2TestClient
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>
    /// Dummy credentials and no retries: a test that injects one fault must see it, not have the SDK
    /// silently retry past it.
    /// </summary>
    /// <remarks>Moto picks the account from the access key (an ASIA… key from its STS is the assumed role's account), so
    /// <paramref name="accessKeyId"/> reads the world as that caller sees it; moto does not check the secret.</remarks>
    public static AmazonEC2Client Create(Uri endpoint, string region = DefaultRegion, string accessKeyId = "testing")
    {
        var config = new AmazonEC2Config
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(30),
        };
        return new AmazonEC2Client(new BasicAWSCredentials(accessKeyId, "testing"), config);
    }
}
