using Amazon.EC2;
using Grpc.Core;
using PublicIp.Protocol.Resources;
using PublicIp.Provider.Clients.Aws;
using PublicIp.Provider.Configuration;

namespace PublicIp.Provider.Clients;

/// <summary>
/// The configured cloud clients, built on first use so a stack that only uses one cloud never needs the
/// other's region or credentials.
/// </summary>
public sealed class CloudClients(IEc2ClientFactory ec2Factory)
{
    private readonly object _gate = new();
    private ProviderConfig? _config;
    private IAmazonEC2? _ec2;

    public void Configure(ProviderConfig config)
    {
        lock (_gate)
        {
            _config = config;
            _ec2 = null;
        }
    }

    public ProviderConfig Config
    {
        get
        {
            lock (_gate)
            {
                return _config ?? throw new ResourceException(StatusCode.FailedPrecondition, "the publicip provider was used before it was configured");
            }
        }
    }

    public IAmazonEC2 Ec2
    {
        get
        {
            lock (_gate)
            {
                return _ec2 ??= ec2Factory.Create(Config.Aws);
            }
        }
    }
}
