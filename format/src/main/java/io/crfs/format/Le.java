package io.crfs.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian accessors on byte arrays; btrfs stores every integer little-endian. */
public final class Le {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private Le() {}

    public static long getLong(byte[] b, int at) { return (long) LONG.get(b, at); }
    public static void putLong(byte[] b, int at, long v) { LONG.set(b, at, v); }
    /** An unsigned 32-bit field as a non-negative long. */
    public static long getUInt(byte[] b, int at) { return Integer.toUnsignedLong((int) INT.get(b, at)); }
    public static int getInt(byte[] b, int at) { return (int) INT.get(b, at); }
    public static void putInt(byte[] b, int at, int v) { INT.set(b, at, v); }
    public static int getUShort(byte[] b, int at) { return Short.toUnsignedInt((short) SHORT.get(b, at)); }
    public static void putShort(byte[] b, int at, int v) { SHORT.set(b, at, (short) v); }
    public static int getU8(byte[] b, int at) { return b[at] & 0xFF; }
}
