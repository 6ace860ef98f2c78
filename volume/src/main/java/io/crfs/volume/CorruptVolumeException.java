package io.crfs.volume;

/** A block or structure on the volume fails verification; names the block's logical address. */
public final class CorruptVolumeException extends VolumeException {
    private static final long serialVersionUID = 1L;
    private final long bytenr;

    public CorruptVolumeException(long bytenr, String what) {
        super("corrupt tree block at logical " + bytenr + ": " + what);
        this.bytenr = bytenr;
    }

    public CorruptVolumeException(String what) {
        super("corrupt volume: " + what);
        this.bytenr = -1;
    }

    public long bytenr() {
        return bytenr;
    }
}
