package io.crfs.volume;

import java.io.IOException;

/** The volume cannot be opened or used: unsupported feature, corruption, or I/O error. The message says which and where. */
public class VolumeException extends IOException {
    private static final long serialVersionUID = 1L;

    public VolumeException(String message) {
        super(message);
    }

    public VolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
