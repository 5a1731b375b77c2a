using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using PublicIp.Provider.Diagnostics;

namespace PublicIp.Provider.Clients.Aws;

/// <summary>What DescribeAddresses says about one address.</summary>
/// <param name="Address">The address, or null when EC2 does not show it to this account.</param>
/// <param name="BelongsToAnotherAccount">
/// EC2 answered AuthFailure (HTTP 400) for the id: it was released and another account holds it now.
/// </param>
public sealed record AddressLookup(Address? Address, bool BelongsToAnotherAccount)
{
    public bool Exists => Address is not null;
}

/// <summary>Finders for Elastic IPs: one place that knows how EC2 says "not found".</summary>
public static class AddressFinder
{
    /// <summary>The address by AllocationId (vpc) or PublicIp (standard); null when EC2 says it does not exist.</summary>
    public static async Task<Address?> FindAsync(IAmazonEC2 ec2, string id, CancellationToken ct) =>
        (await LookupAsync(ec2, id, ct)).Address;

    /// <summary>
    /// Like <see cref="FindAsync"/>, and tells "gone" apart from "someone else's now". A credential
    /// AuthFailure (HTTP 401) is not an answer about the address and is thrown.
    /// </summary>
    public static async Task<AddressLookup> LookupAsync(IAmazonEC2 ec2, string id, CancellationToken ct)
    {
        var identity = AddressIdentity.Parse(id);
        try
        {
            var response = await ec2.DescribeAddressesAsync(identity.DescribeRequest(), ct);
            // Eventual consistency: a stale answer may hold another address; only an exact match counts.
            return new AddressLookup((response.Addresses ?? []).FirstOrDefault(identity.Names), false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is Ec2ErrorCodes.InvalidAllocationIDNotFound or Ec2ErrorCodes.InvalidAddressNotFound)
        {
            return new AddressLookup(null, false);
        }
        catch (AmazonEC2Exception e) when (IsNotYours(e))
        {
            return new AddressLookup(null, true);
        }
    }

    /// <summary>Resource-level AuthFailure (HTTP 400, "does not belong to you"), as opposed to rejected credentials (401).</summary>
    public static bool IsNotYours(AmazonEC2Exception e) => e.ErrorCode == Ec2ErrorCodes.AuthFailure && e.StatusCode != HttpStatusCode.Unauthorized;

    /// <summary>Names what holds an address, in AWS's words, from what DescribeAddresses reports; null when free.</summary>
    public static string? Holder(Address? address)
    {
        if (address is null)
        {
            return null;
        }
        var eni = Present(address.NetworkInterfaceId);
        var owner = Present(address.NetworkInterfaceOwnerId);
        var instance = Present(address.InstanceId);
        return (instance, eni) switch
        {
            ({ } i, { } n) => $"instance {i} (network interface {n})",
            ({ } i, null) => $"instance {i}",
            (null, { } n) => owner is null ? $"network interface {n}" : $"network interface {n} (owner {owner})",
            _ => null,
        };
    }

    /// <summary>moto writes empty elements where AWS writes none; both mean "absent".</summary>
    public static string? Present(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
