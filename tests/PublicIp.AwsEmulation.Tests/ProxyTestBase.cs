using Amazon.EC2;
using Amazon.EC2.Model;

namespace PublicIp.AwsEmulation.Tests;

/// <summary>Per-test setup over a class-wide moto+proxy: a clean proxy and a bound on how long one test may hang.</summary>
public abstract class ProxyTestBase : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    protected ProxyTestBase(MotoProxyFixture env)
    {
        Env = env;
        Env.ResetProxy();
    }

    protected MotoProxyFixture Env { get; }

    protected AmazonEC2Client Ec2 => Env.Ec2;

    protected Ec2FaultProxy Proxy => Env.Proxy;

    protected CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    protected async Task<string> AllocateAsync(string? networkBorderGroup = null) =>
        (await Ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc, NetworkBorderGroup = networkBorderGroup }, Ct)).AllocationId;

    /// <summary>Ground truth from moto, bypassing the proxy; null once the address is gone.</summary>
    protected async Task<Address?> DescribeInMotoAsync(string allocationId)
    {
        try
        {
            return (await Env.MotoEc2.DescribeAddressesAsync(new DescribeAddressesRequest { AllocationIds = [allocationId] }, Ct)).Addresses?.SingleOrDefault();
        }
        catch (AmazonEC2Exception ex) when (ex.ErrorCode == "InvalidAllocationID.NotFound")
        {
            return null;
        }
    }
}
