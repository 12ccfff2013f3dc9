using System.Buffers.Binary;
using System.Text;

namespace Pipeline.Tests.Telemetry.Support;

/// <summary>
/// Walks the fields of one protobuf message by hand (the wire format: a varint key of field number and wire type, then
/// a varint, a 64-bit, a length-delimited or a 32-bit value), enough to read OTLP without generated types.
/// </summary>
public ref struct ProtoReader(ReadOnlySpan<byte> message)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _message = message;
    private int _position;

    public int Field { get; private set; }
    public int WireType { get; private set; }

    /// <summary>The current field's value when it is a varint or fixed-width number.</summary>
    public ulong Number { get; private set; }

    /// <summary>The current field's bytes when it is length-delimited (a string, bytes or an embedded message).</summary>
    public ReadOnlySpan<byte> Bytes { get; private set; }

    public string String => Encoding.UTF8.GetString(Bytes);

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (_position >= _message.Length) return false;
        var key = ReadVarint();
        Field = (int)(key >> 3);
        WireType = (int)(key & 7);
        Bytes = default;
        Number = 0;
        switch (WireType)
        {
            case Varint:
                Number = ReadVarint();
                break;
            case Fixed64:
                Number = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                break;
            case LengthDelimited:
                Bytes = Take(checked((int)ReadVarint()));
                break;
            case Fixed32:
                Number = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
                break;
            default:
                throw new InvalidDataException($"Unsupported protobuf wire type {WireType} (field {Field}) at byte {_position}.");
        }
        return true;
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _message.Length) throw new InvalidDataException("Truncated varint.");
            var b = _message[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("Varint longer than 10 bytes.");
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length < 0 || _position + length > _message.Length) throw new InvalidDataException($"Field {Field} runs past the message's end.");
        var slice = _message.Slice(_position, length);
        _position += length;
        return slice;
    }
}
