package io.crfs.protocol;

/**
 * A frame or message violates the protocol; carries the error code to answer with and, when
 * the frame header was readable, the request id of the offending frame (0 otherwise), so the
 * receiver can answer ERROR to that request before closing.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final long requestId;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, 0);
    }

    public ProtocolException(ErrorCode code, String message, long requestId) {
        super(message);
        this.code = code;
        this.requestId = requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The request id of the frame that failed to decode, or 0 if unknown or server-initiated. */
    public long requestId() {
        return requestId;
    }
}
