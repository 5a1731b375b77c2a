using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PublicIp.Protocol.Values;

namespace PublicIp.Tests.Protocol;

/// <summary>Whatever the engine sends must come back unchanged: secrets, unknowns, references, outputs, assets.</summary>
public class PropertyCodecProperties
{
    private static Gen<string> Text => Gen.Elements("", "a", "vpc", "eipalloc-1", "ü", "04da6b54", "x y", "k.x", "[0]");

    private static Gen<PropertyValue> Leaf => Gen.OneOf(
        Gen.Constant(PropertyValue.Null),
        ArbMap.Default.GeneratorFor<bool>().Select(b => (PropertyValue)new BoolValue(b)),
        ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => (PropertyValue)new NumberValue(f.Get)),
        Text.Select(s => (PropertyValue)new StringValue(s)),
        Gen.Elements(Enum.GetValues<UnknownKind>()).Select(k => (PropertyValue)new UnknownValue(k)));

    private static Gen<PropertyValue> Value(int depth) => depth <= 0
        ? Leaf
        : Gen.OneOf(
            Leaf,
            Value(depth - 1).Select(v => (PropertyValue)new SecretValue(v)),
            Value(depth - 1).ListOf().Select(l => (PropertyValue)new ArrayValue([.. l.Take(4)])),
            Map(depth - 1).Select(m => (PropertyValue)new ObjectValue(m)),
            Text.Zip(Gen.OneOf(Gen.Constant<PropertyValue?>(null), Leaf.Select(l => (PropertyValue?)l)))
                .Select(t => (PropertyValue)new ResourceReferenceValue("urn:pulumi:s::p::t::" + t.Item1, t.Item2, t.Item1)),
            Gen.OneOf(Gen.Constant<PropertyValue?>(null), Value(depth - 1).Select(v => (PropertyValue?)v))
                .Zip(ArbMap.Default.GeneratorFor<bool>())
                .Select(t => (PropertyValue)new OutputValue(t.Item1, t.Item2, ["urn:pulumi:s::p::t::dep"])),
            Map(0).Select(m => (PropertyValue)new OpaqueValue(PropertyCodec.AssetSignature, m)));

    private static Gen<PropertyMap> Map(int depth) =>
        Text.Zip(Value(depth)).ListOf().Select(kvs => PropertyMap.From(kvs.Take(5).DistinctBy(kv => kv.Item1).Select(kv => KeyValuePair.Create(kv.Item1, kv.Item2))));

    [Property(MaxTest = 300)]
    public Property Values_round_trip_through_Struct() =>
        Prop.ForAll(Map(3).ToArbitrary(), map =>
        {
            var encoded = PropertyCodec.Encode(map);
            var decoded = PropertyCodec.Decode(encoded);
            return decoded.Equals(map) && PropertyCodec.Encode(decoded).Equals(encoded);
        });

    [Fact]
    public void All_seven_unknown_sentinels_decode_as_unknown()
    {
        string[] sentinels =
        [
            "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
            "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
            "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
        ];
        var kinds = sentinels.Select(s => PropertyCodec.Decode(Google.Protobuf.WellKnownTypes.Value.ForString(s))).ToList();
        Assert.All(kinds, k => Assert.IsType<UnknownValue>(k));
        Assert.Equal(7, kinds.Cast<UnknownValue>().Select(k => k.Kind).Distinct().Count());
    }

    [Fact]
    public void A_secret_is_encoded_with_the_secret_signature_and_never_printed()
    {
        var secret = new SecretValue(new StringValue("hunter2"));
        var encoded = PropertyCodec.Encode(secret).StructValue;
        Assert.Equal("1b47061264138c4ac30d75fd1eb44270", encoded.Fields["4dabf18193072939515e22adb298388d"].StringValue);
        Assert.Equal("hunter2", encoded.Fields["value"].StringValue);
        Assert.DoesNotContain("hunter2", secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", PropertyMap.Empty.Set("k", secret).ToString(), StringComparison.Ordinal);
        Assert.Equal("[secret]", PropertyCodec.Describe(secret));
    }

    [Fact]
    public void An_unknown_output_value_decodes_without_a_value()
    {
        var s = new Google.Protobuf.WellKnownTypes.Struct();
        s.Fields[PropertyCodec.SignatureKey] = Google.Protobuf.WellKnownTypes.Value.ForString(PropertyCodec.OutputValueSignature);
        s.Fields["secret"] = Google.Protobuf.WellKnownTypes.Value.ForBool(true);
        var decoded = Assert.IsType<OutputValue>(PropertyCodec.Decode(Google.Protobuf.WellKnownTypes.Value.ForStruct(s)));
        Assert.False(decoded.IsKnown);
        Assert.True(decoded.ContainsUnknowns);
        Assert.True(decoded.ContainsSecrets);
        Assert.Equal(ImmutableArray<string>.Empty, decoded.Dependencies);
    }
}
