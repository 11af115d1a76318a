"""The visio-commission: sessions and their agenda, who may enter a room, attendance,
shared plan annotations, chat, opinions given in the room, the annotated plan export and
the signed minutes. Plain functions over a SQLAlchemy session; no Flask, no sockets."""
