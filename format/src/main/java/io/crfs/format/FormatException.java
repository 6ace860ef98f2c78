package io.crfs.format;

/** An item payload or structure does not parse; the message says what was expected and found. */
public class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }
}
