# frozen_string_literal: true

require "json"
require "socket"

# A tiny real HTTP/1.1 server on a random loopback port, standing in for
# the Snorky backend endpoint in unit tests. Each request is recorded; the
# handler block decides the answer: [status, body] / [status, body, headers],
# :hang (never answer, for timeouts) or :close (drop the connection).
# TCPServer instead of WEBrick: WEBrick is not in Ruby 3's default stdlib.
class HttpPeer
  Request = Struct.new(:method, :path, :headers, :body, keyword_init: true) do
    def json
      JSON.parse(body)
    end
  end

  attr_reader :requests, :port

  def initialize(port: 0, &handler)
    @handler = handler || ->(_req) { [200, JSON.generate(service: "x", message: { type: "response", data: nil })] }
    @requests = Queue.new
    @server = TCPServer.new("127.0.0.1", port)
    @port = @server.addr[1]
    @sockets = []
    @thread = Thread.new { accept_loop }
  end

  def url(path = "/backend")
    "http://127.0.0.1:#{@port}#{path}"
  end

  # Replace the answer for later requests.
  def respond(&handler)
    @handler = handler
  end

  # The next recorded request (waits up to 5 s).
  def next_request
    deadline = Time.now + 5
    loop do
      return @requests.pop(true)
    rescue ThreadError
      raise "no request reached the HTTP peer" if Time.now > deadline

      sleep 0.01
    end
  end

  def all_requests
    list = []
    list << @requests.pop(true) until @requests.empty?
    list
  end

  def close
    @server.close unless @server.closed?
    @thread.kill
    @sockets.each { |s| s.close unless s.closed? }
  end

  # Envelope of a successful RPC reply.
  def self.response(data, service: "datasync_backend")
    [200, JSON.generate(service: service, message: { type: "response", data: data })]
  end

  def self.error(text, service: "datasync_backend")
    [200, JSON.generate(service: service, message: { type: "error", message: text })]
  end

  private

  def accept_loop
    loop do
      socket = @server.accept
      @sockets << socket
      Thread.new(socket) { |s| serve(s) }
    end
  rescue IOError, Errno::EBADF
    nil
  end

  def serve(socket)
    while (request = read_request(socket))
      @requests << request
      answer = @handler.call(request)
      case answer
      when :hang then return sleep
      when :close then return socket.close
      end
      status, body, headers = answer
      write_response(socket, status, body.to_s, headers || { "Content-Type" => "application/json" })
    end
  rescue IOError, SystemCallError
    nil
  ensure
    socket.close unless socket.closed?
  end

  def read_request(socket)
    line = socket.gets("\r\n") or return nil
    method, path = line.split(" ")
    headers = {}
    while (header = socket.gets("\r\n")) && header != "\r\n"
      name, value = header.chomp.split(":", 2)
      headers[name.downcase] = value.to_s.strip
    end
    body = socket.read(headers.fetch("content-length", "0").to_i).to_s.force_encoding(Encoding::UTF_8)
    Request.new(method: method, path: path, headers: headers, body: body)
  end

  def write_response(socket, status, body, headers)
    payload = body.b
    socket.write("HTTP/1.1 #{status} X\r\n")
    headers.merge("Content-Length" => payload.bytesize.to_s).each { |k, v| socket.write("#{k}: #{v}\r\n") }
    socket.write("\r\n")
    socket.write(payload)
  end
end
