package io.crfs.client;

import io.crfs.protocol.ErrorCode;
import java.io.IOException;

/** The server answered a request with an error: {@link #code()} says which (LOCKED, INTERRUPTED, NO_SPACE...). */
public final class RemoteException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ErrorCode code;

    RemoteException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
