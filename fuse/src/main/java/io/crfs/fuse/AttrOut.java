package io.crfs.fuse;

/** A GETATTR/SETATTR reply: the attributes and how long the kernel may cache them (ns). */
public record AttrOut(Attr attr, long validNanos) {
}
