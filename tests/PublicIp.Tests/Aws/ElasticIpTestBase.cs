using PublicIp.Harness;

namespace PublicIp.Tests.Aws;

/// <summary>What every ElasticIp harness test class shares: its fixture, reset before each test, and the spec shape.</summary>
public abstract class ElasticIpTestBase
{
    protected const string Type = "publicip:aws:ElasticIp";

    protected ElasticIpTestBase(AwsFixture aws)
    {
        Aws = aws;
        aws.Reset();
    }

    protected AwsFixture Aws { get; }

    protected static ResourceSpec Spec(string name, params (string, object?)[] inputs) => new(Type, name, Props.Map(inputs));
}
