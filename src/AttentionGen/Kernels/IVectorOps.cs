using System.ComponentModel;

namespace AttentionGen.Kernels;

/// <summary>
/// The handful of vector operations an attention kernel is made of, for one instruction set and one
/// vector type. Generated kernels call an implementation directly (<see cref="Avx512Ops"/>,
/// <see cref="Avx2Ops"/>, <see cref="NeonOps"/>, <see cref="ScalarOps"/>); shared algorithms such as
/// <see cref="VectorMath.Exp2{TOps, TVector}"/> and <see cref="OnlineSoftmax"/> are written once against
/// this interface. Every member is meant to be inlined.
/// </summary>
/// <typeparam name="TVector">The vector type: <c>Vector512&lt;float&gt;</c>, <c>Vector256&lt;float&gt;</c>,
/// <c>Vector128&lt;float&gt;</c>, or <see cref="float"/> for the scalar path.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IVectorOps<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Width { get; }

    /// <summary>Whether this machine runs this instruction set (a JIT-time constant).</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Loads <see cref="Width"/> floats at <paramref name="source"/> + <paramref name="offset"/>.</summary>
    static abstract TVector Load(ref float source, int offset);

    /// <summary>Loads <see cref="Width"/> IEEE half-precision values (their bits) at <paramref name="source"/> +
    /// <paramref name="offset"/> as floats, exactly: subnormals, signed zeros, infinities and NaN included.</summary>
    static abstract TVector LoadHalf(ref ushort source, int offset);

    /// <summary><see cref="LoadHalf"/>'s values times 2⁻¹¹², exactly, one multiplication fewer
    /// (<see cref="HalfBits.ToScaledSingle(System.Runtime.Intrinsics.Vector512{int})"/>).</summary>
    static abstract TVector LoadHalfScaled(ref ushort source, int offset);

    /// <summary>Loads <see cref="Width"/> bfloat16 values (the upper 16 bits of floats) at <paramref name="source"/> +
    /// <paramref name="offset"/> as floats, exactly.</summary>
    static abstract TVector LoadBFloat16(ref ushort source, int offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/>.</summary>
    static abstract void Store(TVector value, ref float destination, int offset);

    /// <summary>A vector with every lane <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary><paramref name="left"/> · <paramref name="right"/> + <paramref name="addend"/>, fused where the
    /// instruction set has it.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    /// <summary><paramref name="left"/> + <paramref name="right"/>.</summary>
    static abstract TVector Add(TVector left, TVector right);

    /// <summary><paramref name="left"/> − <paramref name="right"/>.</summary>
    static abstract TVector Subtract(TVector left, TVector right);

    /// <summary><paramref name="left"/> · <paramref name="right"/>.</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>Lane-wise maximum. A NaN in <paramref name="right"/> is returned as is, so
    /// <c>Max(bound, x)</c> keeps a NaN <c>x</c>.</summary>
    static abstract TVector Max(TVector left, TVector right);

    /// <summary><paramref name="value"/> where <paramref name="position"/> &lt;= <paramref name="limits"/>,
    /// <paramref name="otherwise"/> in the other lanes (a bitwise select: NaN lanes are replaced too).</summary>
    static abstract TVector SelectWhereAtMost(float position, TVector limits, TVector value, TVector otherwise);

    /// <summary>Lane-wise ⌊<paramref name="value"/>⌋.</summary>
    static abstract TVector Floor(TVector value);

    /// <summary>2ˣ for the max-subtracted log2-unit scores of a softmax, <c>x ≤ 0</c>: exactly 0 below
    /// <see cref="VectorMath.Exp2LowerBound"/>, NaN for NaN, relative error below
    /// <see cref="VectorMath.Exp2MaxRelativeError"/> elsewhere. <see cref="VectorMath.Exp2{TOps, TVector}"/> unless the
    /// instruction set has something better.</summary>
    static abstract TVector Exp2(TVector x);

    /// <summary>1/<paramref name="value"/>, and 0 where <paramref name="value"/> is 0 (NaN stays NaN).</summary>
    static abstract TVector ReciprocalOrZero(TVector value);

    /// <summary>Sum of all lanes (lane order fixed per type, so results are deterministic).</summary>
    static abstract float Sum(TVector value);

    /// <summary>Maximum of all lanes.</summary>
    static abstract float MaxAcross(TVector value);

    /// <summary>
    /// Lane i of the result, for i below 8 and below <see cref="Width"/>, is the sum of the lanes of the i-th argument;
    /// lanes from 8 on are zero (arguments past <see cref="Width"/> are ignored). The vectors never mix, so a NaN in
    /// one reaches its own lane only, and the order of the additions is fixed per type. A few query rows' dot products
    /// with a key (the head dimension in lanes) become one vector of scores, one row per lane.
    /// </summary>
    static abstract TVector SumEach(TVector v0, TVector v1, TVector v2, TVector v3, TVector v4, TVector v5, TVector v6,
        TVector v7);

    /// <summary>
    /// Stores lanes 0 and 1 of <paramref name="value"/> at <paramref name="a"/>, lanes 2 and 3 at <paramref name="b"/>,
    /// 4 and 5 at <paramref name="c"/>, 6 and 7 at <paramref name="d"/>: the <see cref="SumEach"/> of two keys' dot
    /// products with four rows, into each row's scores. Only for <see cref="Width"/> of 8 or more.
    /// </summary>
    static abstract void StorePairs(TVector value, ref float a, ref float b, ref float c, ref float d);

    /// <summary>
    /// Transposes a <see cref="Width"/> × <see cref="Width"/> block in registers, scaling it on the way:
    /// <c>destination[destinationRows[c] + r] = source[sourceRows[r] + c] · factor[c]</c>. Rows sit anywhere,
    /// each named by its offset, so strided panels and gathered query rows go through the same code.
    /// </summary>
    /// <param name="source">Base of the source rows.</param>
    /// <param name="sourceRows">First of <see cref="Width"/> source row offsets.</param>
    /// <param name="factor">Multiplies each source row lane-wise before the transpose.</param>
    /// <param name="destination">Base of the destination rows.</param>
    /// <param name="destinationRows">First of <see cref="Width"/> destination row offsets.</param>
    static abstract void TransposeSquare(ref float source, ref int sourceRows, TVector factor, ref float destination,
        ref int destinationRows);

    /// <summary>2ⁿ from <c>t = n + 127 + 1.5·2²³</c> with n an integer in [−127, 0], whose low mantissa bits are the
    /// biased exponent <c>n + 127</c>: one shift. n = −127 gives 0.</summary>
    static abstract TVector PowerOfTwoFromShifted(TVector shifted);
}
