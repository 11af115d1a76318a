// WebRTC among the members present: one RTCPeerConnection per other socket (a full mesh, fine
// up to ~8 people), signalled through the room's socket with `signal {to, data}`.
//
// Who offers is deterministic: the newcomer offers to everyone already present. Both sides
// still follow the "perfect negotiation" pattern (the peer whose socket id sorts higher is
// polite), so a reconnection or an ICE restart that races an offer resolves itself.
import {el, t} from "./util.js";

export class Mesh {
  constructor({socket, media, iceServers, tiles, onTrouble = () => {}}) {
    this.socket = socket;
    this.media = media;
    this.iceServers = iceServers || [];
    this.tiles = tiles;
    this.onTrouble = onTrouble;
    this.peers = new Map();  // socket id → peer
  }

  /** Offers a connection to everyone already in the room (called by the newcomer). */
  offerTo(present) {
    for (const person of present) {
      if (person.sid !== this.socket.id && !this.peers.has(person.sid)) this.open(person, true);
    }
  }

  /** Follows the presence list: drops peers who left, refreshes names and speaking marks. */
  sync(present) {
    const bySid = new Map(present.map((person) => [person.sid, person]));
    for (const [sid, peer] of this.peers) {
      const person = bySid.get(sid);
      if (!person) this.close(sid);
      else peer.update(person);
    }
  }

  /** A `signal {from, from_user, data}` from another socket. */
  receive({from, from_user: user, data}) {
    let peer = this.peers.get(from);
    if (!peer) {
      if (!data?.description || data.description.type !== "offer") return;
      peer = this.open({sid: from, user_id: user?.id ?? user, name: user?.name ?? ""}, false);
    }
    peer.enqueue(data);
  }

  open(person, initiator) {
    const peer = new Peer(this, person, initiator);
    this.peers.set(person.sid, peer);
    return peer;
  }

  close(sid) {
    this.peers.get(sid)?.close();
    this.peers.delete(sid);
  }

  closeAll() {
    for (const sid of [...this.peers.keys()]) this.close(sid);
  }

  /** After the local media changed (audio-only join, retry): send the new tracks to everyone. */
  refreshTracks() {
    for (const peer of this.peers.values()) peer.attachLocal();
  }

  send(to, data) { this.socket.emit("signal", {to, data}); }
}

class Peer {
  constructor(mesh, person, initiator) {
    this.mesh = mesh;
    this.sid = person.sid;
    this.name = person.name || "";
    this.polite = String(mesh.socket.id) > String(person.sid);
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.queue = Promise.resolve();
    this.early = [];  // candidates received before the remote description
    this.remote = new MediaStream();
    this.video = el("video", {autoplay: true, playsinline: true});
    this.video.srcObject = this.remote;
    this.caption = el("figcaption", {}, this.name);
    this.tile = el("figure", {class: "tile", dataset: {peerSid: this.sid, peerState: "new", user: person.user_id ?? ""}},
                   this.video, this.caption);
    mesh.tiles.append(this.tile);
    const pc = new RTCPeerConnection({iceServers: mesh.iceServers});
    this.pc = pc;
    pc.onicecandidate = ({candidate}) => mesh.send(this.sid, {candidate: candidate ? candidate.toJSON() : null});
    pc.ontrack = ({track}) => {
      this.remote.addTrack(track);
      this.video.play().catch(() => {});
    };
    pc.onnegotiationneeded = () => this.negotiate();
    pc.onconnectionstatechange = () => this.stateChanged();
    this.timeout = setTimeout(() => {
      if (pc.connectionState !== "connected") mesh.onTrouble(t("peerFailed", {name: this.name}));
    }, 20000);
    if (initiator) {
      // Both kinds always negotiated, even without a local track: someone without a camera
      // still receives the others' video, and a track added later needs no renegotiation.
      const stream = mesh.media.stream;
      for (const kind of ["audio", "video"]) {
        const track = kind === "audio" ? mesh.media.audioTrack : mesh.media.videoTrack;
        pc.addTransceiver(track || kind, {direction: "sendrecv", streams: stream ? [stream] : []});
      }
    }
  }

  update(person) {
    this.name = person.name || this.name;
    this.caption.textContent = this.name;
    this.tile.classList.toggle("speaking", Boolean(person.speaking));
    this.tile.classList.toggle("no-video", person.video === false);
  }

  async negotiate() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.mesh.send(this.sid, {description: this.pc.localDescription.toJSON()});
    } catch (error) {
      console.warn("WebRTC offer failed", this.sid, error);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Signals are handled one at a time, in order (a candidate waits for its description). */
  enqueue(data) {
    this.queue = this.queue.then(() => this.handle(data)).catch((error) => console.warn("WebRTC signal", this.sid, error));
  }

  async handle({description, candidate}) {
    const pc = this.pc;
    if (description) {
      const collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      for (const early of this.early.splice(0)) await pc.addIceCandidate(early || undefined).catch(() => {});
      if (description.type === "offer") {
        this.attachLocal();
        await pc.setLocalDescription();
        this.mesh.send(this.sid, {description: pc.localDescription.toJSON()});
      }
    } else if (candidate !== undefined) {
      if (!pc.remoteDescription) {  // the browser may send candidates ahead of its answer
        this.early.push(candidate);
        return;
      }
      try {
        await pc.addIceCandidate(candidate || undefined);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  /** Puts the local tracks on the connection's senders (one audio, one video). */
  attachLocal() {
    const stream = this.mesh.media.stream;
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (transceiver.currentDirection === "stopped") continue;
      const track = kind === "audio" ? this.mesh.media.audioTrack : this.mesh.media.videoTrack;
      transceiver.direction = "sendrecv";
      transceiver.sender.replaceTrack(track || null).catch(() => {});
      if (stream) transceiver.sender.setStreams(stream);
    }
  }

  stateChanged() {
    const state = this.pc.connectionState;
    this.tile.dataset.peerState = state;
    if (state === "connected") {
      clearTimeout(this.timeout);
      this.describeRoute();
    }
    if (state === "failed") {
      this.mesh.onTrouble(t("peerFailed", {name: this.name}));
      if (!this.polite) this.pc.restartIce();
    }
  }

  /** Notes on the tile which route the media takes (host, server-reflexive or relayed through
   * TURN, and the addresses): what an administrator checks when a member's video is poor. */
  async describeRoute() {
    const stats = await this.pc.getStats();
    for (const report of stats.values()) {
      if (report.type !== "transport" || !report.selectedCandidatePairId) continue;
      const pair = stats.get(report.selectedCandidatePairId);
      const local = pair && stats.get(pair.localCandidateId);
      const remote = pair && stats.get(pair.remoteCandidateId);
      if (local && remote) {
        this.tile.dataset.route = `${local.candidateType} ${local.address} -> ${remote.candidateType} ${remote.address}`;
      }
    }
  }

  close() {
    clearTimeout(this.timeout);
    this.pc.close();
    this.remote.getTracks().forEach((track) => track.stop());  // nothing keeps playing what was received
    this.video.srcObject = null;
    this.tile.remove();
  }
}
