// The member's own camera and microphone: capture, mute/camera toggles, audio-only, and a
// speaking indicator from a WebAudio analyser on the microphone.
const SPEAKING_LEVEL = 0.02;  // RMS of the signal, 0..1
const SPEAKING_HOLD_MS = 1000;

export class LocalMedia {
  /** `onChange(state)` runs whenever audio/video/speaking changes. */
  constructor({onChange = () => {}} = {}) {
    this.stream = null;
    this.onChange = onChange;
    this.speaking = false;
    this.lastVoice = 0;
    this.audioContext = null;
    this.timer = null;
    this.error = null;
  }

  get audioTrack() { return this.stream?.getAudioTracks()[0] ?? null; }
  get videoTrack() { return this.stream?.getVideoTracks()[0] ?? null; }

  /** What the others are told: {audio, video, speaking}. */
  get state() {
    return {audio: Boolean(this.audioTrack?.enabled), video: Boolean(this.videoTrack?.enabled),
            speaking: this.speaking};
  }

  /** Opens camera and microphone (or the microphone only); returns the stream, or null with
   * `this.error` set when the browser refuses (no device, permission denied, no secure context). */
  async start({video = true} = {}) {
    this.stop();
    this.error = null;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = new Error("getUserMedia unavailable");
      this.onChange(this.state);
      return null;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({audio: true, video: video && {width: 640, height: 360}});
    } catch (error) {
      this.error = error;
      this.stream = null;
      this.onChange(this.state);
      return null;
    }
    this.listen();
    this.onChange(this.state);
    return this.stream;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.speaking = false;
  }

  toggleAudio() {
    if (!this.audioTrack) return;
    this.audioTrack.enabled = !this.audioTrack.enabled;
    if (!this.audioTrack.enabled) this.speaking = false;
    this.onChange(this.state);
  }

  toggleVideo() {
    if (!this.videoTrack) return;
    this.videoTrack.enabled = !this.videoTrack.enabled;
    this.onChange(this.state);
  }

  /** Browsers start an AudioContext suspended until a user gesture: resume on the first one. */
  resume() { this.audioContext?.resume?.(); }

  listen() {
    const track = this.audioTrack;
    if (!track || !window.AudioContext) return;
    this.audioContext ??= new AudioContext();
    const source = this.audioContext.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.audioContext.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    this.timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const value of samples) sum += value * value;
      const level = Math.sqrt(sum / samples.length);
      const now = performance.now();
      if (track.enabled && level > SPEAKING_LEVEL) this.lastVoice = now;
      const speaking = track.enabled && now - this.lastVoice < SPEAKING_HOLD_MS;
      if (speaking !== this.speaking) {
        this.speaking = speaking;
        this.onChange(this.state);
      }
    }, 150);
  }
}
