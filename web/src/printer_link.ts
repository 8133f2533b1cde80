// Where the terminal's ESC/POS bytes go (docs/printing.md): a store network printer through
// aisled (POST /api/v1/print), or straight from the browser to a portable printer over Web
// Bluetooth (BLE) or Web Serial (USB / Bluetooth SPP). The choice is remembered on the device
// in localStorage. The browser transports need Chrome or Edge in a secure context and cannot be
// tested in this repository's headless Chromium (no radio, no serial port): they are kept small.

import { printOnNetwork } from './api';
import { toBase64, type PrintEncoding } from './core';

export type PrinterChoice =
  | { kind: 'none' }
  | { kind: 'network'; printer_id: string; name: string; columns: number; encoding: PrintEncoding }
  | { kind: 'bluetooth'; name: string; columns: number; encoding: PrintEncoding }
  | { kind: 'serial'; name: string; columns: number; encoding: PrintEncoding };

const storageKey = 'aisle.printer';

export function printerChoice(): PrinterChoice {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as PrinterChoice | null;
    if (saved && (saved.kind === 'network' || saved.kind === 'bluetooth' || saved.kind === 'serial')) return saved;
  } catch {
    // fall through: nothing chosen
  }
  return { kind: 'none' };
}

export function setPrinterChoice(choice: PrinterChoice): void {
  if (choice.kind === 'none') localStorage.removeItem(storageKey);
  else localStorage.setItem(storageKey, JSON.stringify(choice));
}

// The few parts of Web Bluetooth and Web Serial used here (not in TypeScript's DOM library).
interface BleCharacteristic {
  properties: { write: boolean; writeWithoutResponse: boolean };
  writeValueWithResponse(data: BufferSource): Promise<void>;
  writeValueWithoutResponse(data: BufferSource): Promise<void>;
}
interface BleDevice {
  id: string;
  name?: string;
  gatt?: {
    connected: boolean;
    connect(): Promise<{ getPrimaryService(s: number): Promise<{ getCharacteristic(c: number): Promise<BleCharacteristic> }> }>;
  };
}
interface SerialPortLike {
  open(options: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  writable: WritableStream<Uint8Array> | null;
  getInfo(): { usbVendorId?: number; usbProductId?: number };
}
interface Radios {
  bluetooth?: {
    requestDevice(options: { filters: { services: number[] }[]; optionalServices?: number[] }): Promise<BleDevice>;
    getDevices?(): Promise<BleDevice[]>;
  };
  serial?: { requestPort(): Promise<SerialPortLike>; getPorts(): Promise<SerialPortLike[]> };
}
const radios = navigator as unknown as Radios;

/** Which browser transports this browser has (Chrome/Edge on Android and desktop have both). */
export function browserTransports(): { bluetooth: boolean; serial: boolean } {
  return { bluetooth: !!radios.bluetooth && window.isSecureContext, serial: !!radios.serial && window.isSecureContext };
}

// The service and characteristic most cheap 58 mm BLE printers expose for raw ESC/POS.
const kBleService = 0x18f0;
const kBleCharacteristic = 0x2af1;
const kBleChunk = 180;  // bytes per write: under the usual negotiated MTU
let bleDevice: BleDevice | null = null;
let serialPort: SerialPortLike | null = null;

/** Asks the user to pick a BLE printer (must run in a click handler); returns its name. */
export async function pickBluetoothPrinter(): Promise<string> {
  if (!radios.bluetooth) throw new Error('Web Bluetooth is not available in this browser');
  bleDevice = await radios.bluetooth.requestDevice({ filters: [{ services: [kBleService] }] });
  return bleDevice.name || bleDevice.id;
}

/** Asks the user to pick a serial port (USB or Bluetooth SPP printer); returns a label for it. */
export async function pickSerialPrinter(): Promise<string> {
  if (!radios.serial) throw new Error('Web Serial is not available in this browser');
  serialPort = await radios.serial.requestPort();
  const info = serialPort.getInfo();
  return info.usbVendorId !== undefined ? `USB ${info.usbVendorId.toString(16)}:${(info.usbProductId ?? 0).toString(16)}` : 'Serial';
}

async function sendBluetooth(bytes: Uint8Array, name: string): Promise<void> {
  if (!radios.bluetooth) throw new Error('Web Bluetooth is not available in this browser');
  if (!bleDevice) {
    // A printer granted before (Chrome remembers it when getDevices is enabled), else ask again.
    const known = (await radios.bluetooth.getDevices?.()) ?? [];
    bleDevice = known.find((d) => (d.name || d.id) === name) ?? (await radios.bluetooth.requestDevice({ filters: [{ services: [kBleService] }] }));
  }
  if (!bleDevice.gatt) throw new Error('the Bluetooth device has no GATT server');
  const server = await bleDevice.gatt.connect();
  const characteristic = await (await server.getPrimaryService(kBleService)).getCharacteristic(kBleCharacteristic);
  for (let i = 0; i < bytes.length; i += kBleChunk) {
    const chunk = bytes.slice(i, i + kBleChunk);
    if (characteristic.properties.writeWithoutResponse) await characteristic.writeValueWithoutResponse(chunk);
    else await characteristic.writeValueWithResponse(chunk);
  }
}

async function sendSerial(bytes: Uint8Array): Promise<void> {
  if (!radios.serial) throw new Error('Web Serial is not available in this browser');
  serialPort ??= (await radios.serial.getPorts())[0] ?? (await radios.serial.requestPort());
  await serialPort.open({ baudRate: 9600 });  // USB printers ignore it; SPP ones mostly run at 9600
  try {
    const writer = serialPort.writable?.getWriter();
    if (!writer) throw new Error('the serial port cannot be written');
    try {
      await writer.write(bytes);
    } finally {
      writer.releaseLock();
    }
  } finally {
    await serialPort.close();
  }
}

/** Sends the bytes to the chosen printer; rejects with ApiError/NetworkError/Error on failure. */
export async function sendToPrinter(choice: PrinterChoice, bytes: Uint8Array): Promise<void> {
  switch (choice.kind) {
    case 'network':
      await printOnNetwork(choice.printer_id, toBase64(bytes));
      return;
    case 'bluetooth':
      return sendBluetooth(bytes, choice.name);
    case 'serial':
      return sendSerial(bytes);
    case 'none':
      throw new Error('no printer chosen');
  }
}
