package io.crfs.volume;

/** Another process has the volume open (it holds the lock on the image or device). */
public final class VolumeInUseException extends VolumeException {
    private static final long serialVersionUID = 1L;

    public VolumeInUseException(String message) {
        super(message);
    }
}
